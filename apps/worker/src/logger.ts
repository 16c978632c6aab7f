import { pino, type Logger } from 'pino';

/** pino JSON to stdout; one child per class (`context`). Messages follow kubebuilder style. */
export const createLogger = (level: string): Logger => pino({ level, base: { app: 'worker', pid: process.pid } });
