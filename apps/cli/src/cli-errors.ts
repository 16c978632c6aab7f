/** An error whose message is meant for the person at the terminal (no stack trace). */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** Prints an error the way a user should see it and returns the exit code. */
export function reportCliError(error: unknown): number {
  if (error instanceof Error && (error instanceof CliUsageError || 'code' in error)) {
    process.stderr.write(`scaleplan: ${error.message}\n`);
    return 2;
  }
  process.stderr.write(`scaleplan: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
