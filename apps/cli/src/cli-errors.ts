import { CommanderError } from 'commander';

/** Exit statuses of `scaleplan` (docs/cli.md): bad input is 2, anything else that goes wrong is 1. */
export const ExitStatus = { Ok: 0, Failure: 1, Usage: 2 } as const;

/** An error whose message is meant for the person at the terminal (no stack trace). */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/**
 * The exit status for an error commander threw under exitOverride(): its usage errors (unknown option or
 * command, missing or invalid argument) are bad input; help and --version exit 0. Commander has already
 * printed the message.
 */
export const commanderExitStatus = (error: CommanderError): number => (error.exitCode === 0 ? ExitStatus.Ok : ExitStatus.Usage);

/** Prints an error the way a user should see it and returns the exit code. */
export function reportCliError(error: unknown): number {
  if (error instanceof CommanderError) return commanderExitStatus(error);
  if (error instanceof Error && (error instanceof CliUsageError || 'code' in error)) {
    process.stderr.write(`scaleplan: ${error.message}\n`);
    return ExitStatus.Usage;
  }
  process.stderr.write(`scaleplan: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return ExitStatus.Failure;
}
