// Polling for the e2e tests: wait until something holds, and say why not when it never does.

/** How {@link pollUntil} polls. */
export interface PollOptions {
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** Pause between two checks. @default 100 */
  readonly intervalMs?: number;
  /** Appended to a timeout's message: what to look at (log tails, pod listings). */
  readonly explain?: () => string | Promise<string>;
  /** An error the check throws that fails the poll at once instead of being retried. */
  readonly isFatal?: (error: unknown) => boolean;
}

/**
 * Polls `check` until it returns a value (not undefined/false), which it resolves with, or the time is up; it checks
 * once more after the deadline. A timeout names the last error the check threw.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: PollOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 100, explain, isFatal } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (isFatal?.(error)) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const why = lastError ? ` (last error: ${(lastError as Error).message})` : '';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${why}${explain ? `\n${await explain()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
