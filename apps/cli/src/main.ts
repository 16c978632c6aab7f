import { Command } from 'commander';
import { loadCommandRegistrations } from './commands/index.js';
import { reportCliError } from './cli-errors.js';

/** `scaleplan` — compute-optimal allocation from the command line. */
const program = new Command('scaleplan')
  .description('Compute-optimal model size and data for a compute budget (Hoffmann et al. 2022), measured by IsoFLOP sweeps')
  .showHelpAfterError()
  .exitOverride();

try {
  for (const register of await loadCommandRegistrations(process.argv.slice(2))) register(program);
  await program.parseAsync(process.argv);
} catch (error) {
  process.exit(reportCliError(error));
}
