import { pino, type Logger } from 'pino';

/** DI token of the root pino logger; classes take `root.child({ context: ClassName })`. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** JSON logs to stdout (kubebuilder message style: capitalised, past tense, kind named, facts in fields). */
export function createRootLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, base: { app: 'control-plane' }, timestamp: pino.stdTimeFunctions.isoTime }, destination ?? pino.destination(1));
}
