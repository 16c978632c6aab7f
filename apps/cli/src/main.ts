import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { loadCommandRegistrations } from './commands/index.js';
import { reportCliError } from './cli-errors.js';

/** The version in the repository's package.json (found upward from this file: src and dist sit at different depths). */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'scaleplan' && manifest.version) return manifest.version;
  }
  return 'unknown';
}

/** `scaleplan` — compute-optimal allocation from the command line. */
const program = new Command('scaleplan')
  .description('Compute-optimal model size and data for a compute budget (Hoffmann et al. 2022), measured by IsoFLOP sweeps')
  .version(packageVersion(), '-V, --version', 'print the version of ScalePlan')
  .showHelpAfterError()
  .exitOverride();

try {
  for (const register of await loadCommandRegistrations(process.argv.slice(2))) register(program);
  await program.parseAsync(process.argv);
} catch (error) {
  process.exit(reportCliError(error));
}
