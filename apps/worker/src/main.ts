import { loadWorkerConfig, WorkerConfigError } from './config/worker.config.js';
import { createLogger } from './logger.js';
import { runSingle } from './single-run/single-run.js';
import { watchParent } from './parent-watch.js';
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
if (config.runFile) {
  // Trainer-contract mode (dispatch mode jobs): one run, then exit with its code.
  const abort = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => abort.abort());
  process.exit(await runSingle({ ...config, runFile: config.runFile }, log.child({ context: 'SingleRun' }), abort.signal));
}
const runtime = new WorkerRuntime(config, log.child({ context: 'WorkerRuntime' }));
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void runtime.shutdown(signal));
if (config.parentPid > 0) {
  const parentPid = config.parentPid;
  watchParent(parentPid, () => {
    log.warn({ parentPid }, 'Stopping worker: the control plane that started it is gone');
    // A shutdown that hangs (Redis gone as well) must not leave the orphan behind.
    setTimeout(() => process.exit(1), 30_000).unref();
    void runtime.shutdown('control plane gone');
  });
}
await runtime.start();
await runtime.stopped;
process.exit(0);
