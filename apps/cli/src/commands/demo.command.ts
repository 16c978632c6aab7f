import type { Command } from 'commander';
import { runDemo } from '../../../control-plane/src/demo/demo-runner.js';
import { CliUsageError } from '../cli-errors.js';

/** `scaleplan demo [--simulate] [--report DIR]`: the whole loop on this machine. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Run a real IsoFLOP study end to end on local workers (about 10 minutes on 2 cores), fit it with every method and print the allocation for a larger budget')
    .option('--simulate', 'simulated runs (seconds; losses from a known law plus noise, labelled as such)', false)
    .option('--report <dir>', 'report folder (JSON, CSV, SVG plots)', 'scaleplan-demo-report')
    .option('--port <port>', 'HTTP port of the demo control plane (default: a free port)')
    .action(async (options: { simulate: boolean; report: string; port?: string }) => {
      const port = options.port === undefined ? undefined : Number(options.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) throw new CliUsageError(`--port must be an integer from 0 to 65535, got ${options.port}`);
      await runDemo({ simulate: options.simulate, reportDir: options.report, ...(port !== undefined ? { port } : {}) });
    });
}
