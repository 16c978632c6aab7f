import type { Command } from 'commander';
import { registerKubeEmulatorCommand } from './kube-emulator.command.js';
import { registerServeCommand } from './serve.command.js';
import { registerSubmitCommand } from './submit.command.js';
import { registerStatusCommand } from './status.command.js';
import { registerDemoCommand } from './demo.command.js';
import { registerTrainCommand } from './train.command.js';
import { registerAllocateCommand } from './allocate.command.js';
import { registerFitCommand } from './fit.command.js';

/** Each subcommand lives in its own `<name>.command.ts` and registers itself on the program. */
export type CommandRegistration = (program: Command) => void;

export const commandRegistrations: CommandRegistration[] = [
  registerKubeEmulatorCommand,
  registerServeCommand,
  registerSubmitCommand,
  registerStatusCommand,
  registerDemoCommand,
  registerTrainCommand,
  registerAllocateCommand,
  registerFitCommand,
];
