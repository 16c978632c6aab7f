import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliUsageError, ExitStatus, reportCliError } from './cli-errors.js';

/** What `scaleplan` exits with for these arguments, given a program like main.ts builds (output silenced). */
async function exitStatusFor(args: string[]): Promise<number> {
  const program = new Command('scaleplan').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  program
    .command('allocate')
    .requiredOption('--flops <n>', 'budget')
    .action(() => undefined);
  program.command('fit <runs.csv>').action(() => undefined);
  try {
    await program.parseAsync(['node', 'scaleplan', ...args]);
    return ExitStatus.Ok;
  } catch (error) {
    return reportCliError(error);
  }
}

describe('scaleplan exit statuses (docs/cli.md: bad input 2, other failures 1)', () => {
  it.each([
    ['an unknown option', ['allocate', '--flops', '1e24', '--no-such-flag']],
    ['an unknown command', ['allocat']],
    ['a missing required option', ['allocate']],
    ['a missing argument', ['fit']],
    ['an option without its value', ['allocate', '--flops']],
  ])('exits 2 on %s', async (_case, args) => {
    expect(await exitStatusFor(args)).toBe(2);
  });

  it('exits 0 after --help', async () => {
    expect(await exitStatusFor(['allocate', '--help'])).toBe(0);
  });

  it('exits 2 on a usage error raised by a command and 1 on anything unexpected', () => {
    const stderr = process.stderr.write;
    process.stderr.write = () => true;
    try {
      expect(reportCliError(new CliUsageError('--flops must be a number > 0'))).toBe(2);
      expect(reportCliError(new Error('boom'))).toBe(1);
    } finally {
      process.stderr.write = stderr;
    }
  });

  it('the built CLI exits 2 on an unknown flag and names it', () => {
    if (!existsSync('dist/apps/cli/src/main.js'))
      throw new Error('dist/apps/cli/src/main.js is missing: run "npm run build" before this spec');
    const result = spawnSync(process.execPath, ['bin/scaleplan.js', 'allocate', '--flops', '1e24', '--no-such-flag'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.stderr).toMatch(/unknown option '--no-such-flag'/);
    expect(result.status).toBe(2);
  });

  it('the built CLI prints the package version with --version and exits 0', () => {
    const result = spawnSync(process.execPath, ['bin/scaleplan.js', '--version'], { encoding: 'utf8', timeout: 60_000 });
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(result.stdout.trim()).toBe(version);
    expect(result.status).toBe(0);
  });
});
