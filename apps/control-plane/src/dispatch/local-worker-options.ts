import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlaneConfig } from '../config/control-plane.config.js';
import type { LocalWorkerOptions } from './local-worker-dispatcher.js';

/** The repository root: the nearest folder above this file with a package.json (works from src/ and dist/). */
export function repositoryRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

/** The built worker entry point. */
export const workerEntryPoint = (root = repositoryRoot()): string => join(root, 'dist', 'apps', 'worker', 'src', 'main.js');

/** How local dispatch starts a worker: the built worker with the environment contract. */
export function localWorkerOptions(config: ControlPlaneConfig): LocalWorkerOptions {
  const root = repositoryRoot();
  const lockMs = String(config.tuning.localWorkerLockMs);
  return {
    command: config.tuning.workerCommand ?? [process.execPath, workerEntryPoint(root)],
    cwd: root,
    env: {
      REDIS_URL: config.redisUrl,
      SCALEPLAN_QUEUE_PREFIX: config.queuePrefix,
      SCALEPLAN_WORKER_IDLE_EXIT_SECONDS: String(config.tuning.localWorkerIdleExitSeconds),
      SCALEPLAN_LOCK_DURATION_MS: lockMs,
      SCALEPLAN_STALLED_INTERVAL_MS: lockMs,
      LOG_LEVEL: config.logLevel,
      ...config.tuning.workerEnv,
    },
    maxWorkers: config.localWorkersMax,
    ...(config.tuning.workerLogFile ? { logFile: config.tuning.workerLogFile } : {}),
  };
}
