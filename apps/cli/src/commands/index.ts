import type { Command } from 'commander';

/** Each subcommand lives in its own `<name>.command.ts` and registers itself on the program. */
export type CommandRegistration = (program: Command) => void;

/**
 * Subcommands by name, loaded on demand: `allocate` should not pay for loading NestJS or TensorFlow.js,
 * which other commands need (about 1.5 s of CPU per start when everything is imported up front).
 */
export const commandLoaders: Readonly<Record<string, () => Promise<CommandRegistration>>> = {
  allocate: async () => (await import('./allocate.command.js')).registerAllocateCommand,
  fit: async () => (await import('./fit.command.js')).registerFitCommand,
  train: async () => (await import('./train.command.js')).registerTrainCommand,
  serve: async () => (await import('./serve.command.js')).registerServeCommand,
  submit: async () => (await import('./submit.command.js')).registerSubmitCommand,
  status: async () => (await import('./status.command.js')).registerStatusCommand,
  demo: async () => (await import('./demo.command.js')).registerDemoCommand,
  'kube-emulator': async () => (await import('./kube-emulator.command.js')).registerKubeEmulatorCommand,
};

/** The registrations needed for these arguments: the named subcommand only, or all of them (help, typos). */
export async function loadCommandRegistrations(argv: readonly string[]): Promise<CommandRegistration[]> {
  const name = argv.find((arg) => !arg.startsWith('-'));
  const loaders = name && name in commandLoaders ? [commandLoaders[name]!] : Object.values(commandLoaders);
  return Promise.all(loaders.map((load) => load()));
}
