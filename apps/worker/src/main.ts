import { loadWorkerConfig, WorkerConfigError } from './config/worker.config.js';
import { createLogger } from './logger.js';
import { WorkerRuntime } from './worker.runtime.js';

let config;
try {
  config = loadWorkerConfig();
} catch (error) {
  if (!(error instanceof WorkerConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const log = createLogger(config.logLevel);
const runtime = new WorkerRuntime(config, log.child({ context: 'WorkerRuntime' }));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void runtime.shutdown(signal));
await runtime.start();
await runtime.stopped;
process.exit(0);
