// CLI commands run in-process for tests (no process start), with what they print to stdout captured.
import { Command } from 'commander';
import { vi } from 'vitest';
import { registerFitCommand } from '../commands/fit.command.js';
import type { FitDocument } from '../fit-report.js';

/** Runs `scaleplan ...args` with the command `register` adds; returns what it wrote to stdout. */
export async function runInProcess(register: (program: Command) => void, args: readonly string[]): Promise<string> {
  const program = new Command('scaleplan').exitOverride();
  register(program);
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await program.parseAsync(['node', 'scaleplan', ...args]);
  } finally {
    write.mockRestore();
  }
  return chunks.join('');
}

/** `scaleplan fit FILE --json ...args`: the document it printed. */
export const scaleplanFitJson = async (file: string, ...args: string[]): Promise<FitDocument> =>
  JSON.parse(await runInProcess(registerFitCommand, ['fit', file, '--json', ...args])) as FitDocument;
