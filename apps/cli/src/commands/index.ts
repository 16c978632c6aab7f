import type { Command } from 'commander';

/** Each subcommand lives in its own `<name>.command.ts` and registers itself on the program. */
export type CommandRegistration = (program: Command) => void;

export const commandRegistrations: CommandRegistration[] = [
];
