import type { Logger } from 'pino';

/** Options of a `ReconcileQueue`. */
export interface ReconcileQueueOptions {
  /** Keys reconciled at once (different keys only). @default 4 */
  readonly concurrency?: number;
  /** First retry delay after an unexpected error; doubles per failure. @default 200 */
  readonly baseBackoffMs?: number;
  /** @default 30000 */
  readonly maxBackoffMs?: number;
}

type Handler = (key: string) => Promise<void>;

/**
 * Per-object serial work queue (Pepr's queue.ts / controller-runtime's workqueue): a key is never
 * reconciled twice at once; triggers that arrive while it is pending coalesce into one, triggers that
 * arrive while it runs schedule exactly one more run; unexpected errors are retried with exponential
 * backoff until a run succeeds.
 */
export class ReconcileQueue {
  private readonly pending: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly handler: Handler,
    private readonly log: Logger,
    private readonly options: ReconcileQueueOptions = {},
  ) {}

  /** Asks for `key` to be reconciled (soon, and at least once after this call). */
  enqueue(key: string): void {
    if (this.closed) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.pending.push(key);
    this.pump();
  }

  /** Keys waiting, running or waiting for a retry. */
  get depth(): number {
    return this.queued.size + this.running.size + this.timers.size;
  }

  /** Resolves when nothing is queued or running (retries waiting on a timer don't count). */
  whenIdle(): Promise<void> {
    if (this.queued.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work and waits for the running reconciles. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.pending.length = 0;
    this.queued.clear();
    await this.whenIdle();
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 4;
    while (this.running.size < concurrency && this.pending.length > 0) {
      const key = this.pending.shift() as string;
      this.queued.delete(key);
      this.running.add(key);
      void this.run(key);
    }
    if (this.queued.size === 0 && this.running.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.handler(key);
      this.failures.delete(key);
    } catch (error) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const delayMs = Math.min(this.options.maxBackoffMs ?? 30_000, (this.options.baseBackoffMs ?? 200) * 2 ** (failures - 1));
      // Logged once per streak, then at debug, so a Redis outage does not flood the log.
      if (failures === 1) this.log.error({ key, err: error, retryInMs: delayMs }, 'Failed to reconcile object');
      else this.log.debug({ key, failures, retryInMs: delayMs, message: (error as Error).message }, 'Failed to reconcile object again');
      if (!this.closed && !this.dirty.has(key)) {
        const timer = setTimeout(() => {
          this.timers.delete(key);
          this.enqueue(key);
        }, delayMs);
        timer.unref();
        this.timers.set(key, timer);
      }
    } finally {
      this.running.delete(key);
      if (this.dirty.delete(key)) this.enqueue(key);
      this.pump();
    }
  }
}
