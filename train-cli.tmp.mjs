import { Command } from 'commander';
import { registerTrainCommand } from './dist/apps/cli/src/commands/train.command.js';
import { reportCliError } from './dist/apps/cli/src/cli-errors.js';
const program = new Command('scaleplan').exitOverride();
registerTrainCommand(program);
try { await program.parseAsync(process.argv); } catch (e) { process.exit(reportCliError(e)); }
