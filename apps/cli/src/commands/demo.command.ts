import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { DemoIncompleteError, parseDuration, runDemo } from '../../../demo/src/index.js';
import { CliUsageError } from '../cli-errors.js';

/** `scaleplan demo [--simulate] [--report DIR] [--deadline 10m] [--workers N]`: the whole loop on this machine. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run a real IsoFLOP study end to end on local workers (about 6 minutes on 2 cores; a partial report at the 10-minute deadline), fit it with every method, check its answer and print the allocation for a larger budget',
    )
    .option('--simulate', 'simulated runs (seconds; losses from a known law plus noise, labelled as such)', false)
    .option('--report <dir>', 'report folder (JSON, CSV, SVG plots)', 'scaleplan-demo-report')
    .option('--port <port>', 'HTTP port of the demo control plane (default: a free port)')
    .option('--deadline <duration>', 'stop with a partial report after this long, e.g. 10m, 90s, 1h (default: 10m real, 2m simulated)')
    .option('--workers <n>', `local worker processes (default: one per core, ${availableParallelism()} here)`)
    .action(async (options: { simulate: boolean; report: string; port?: string; deadline?: string; workers?: string }) => {
      const port = options.port === undefined ? undefined : Number(options.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535))
        throw new CliUsageError(`--port must be an integer from 0 to 65535, got ${options.port}`);
      const deadlineMs = options.deadline === undefined ? undefined : parseDuration(options.deadline);
      if (options.deadline !== undefined && deadlineMs === undefined)
        throw new CliUsageError(`--deadline must be a duration such as 10m, 90s or 1h30m, got ${options.deadline}`);
      const workers = options.workers === undefined ? undefined : Number(options.workers);
      if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 64))
        throw new CliUsageError(`--workers must be an integer from 1 to 64, got ${options.workers}`);
      try {
        const result = await runDemo({
          simulate: options.simulate,
          reportDir: options.report,
          ...(port !== undefined ? { port } : {}),
          ...(deadlineMs !== undefined ? { deadlineMs } : {}),
          ...(workers !== undefined ? { workers } : {}),
        });
        const failed = result.checks.filter((c) => !c.passed);
        if (failed.length > 0) {
          process.stderr.write(
            `scaleplan: the demo finished, but its answer failed ${failed.length} of ${result.checks.length} checks: ${failed.map((c) => c.name).join('; ')} (see above)\n`,
          );
          process.exitCode = 1;
        }
      } catch (error) {
        // One line, no stack trace: the partial report is written and the message says where.
        if (!(error instanceof DemoIncompleteError)) throw error;
        process.stderr.write(`scaleplan: ${error.message}\n`);
        process.exitCode = 1;
      }
    });
}
