import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_ENTRY_POINT, WorkerEnv } from '@scaleplan/contracts';
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
export const workerEntryPoint = (root = repositoryRoot()): string => join(root, WORKER_ENTRY_POINT);

/** How local dispatch starts a worker: the built worker with the environment contract. */
export function localWorkerOptions(config: ControlPlaneConfig): LocalWorkerOptions {
  const root = repositoryRoot();
  const lockMs = String(config.tuning.localWorkerLockMs);
  return {
    command: config.tuning.workerCommand ?? [process.execPath, workerEntryPoint(root)],
    cwd: root,
    env: {
      [WorkerEnv.RedisUrl]: config.redisUrl,
      [WorkerEnv.QueuePrefix]: config.queuePrefix,
      [WorkerEnv.IdleExitSeconds]: String(config.tuning.localWorkerIdleExitSeconds),
      [WorkerEnv.LockDurationMs]: lockMs,
      [WorkerEnv.StalledIntervalMs]: lockMs,
      [WorkerEnv.LogLevel]: config.logLevel,
      // Workers exit when this process is gone, even after a kill -9 that gave it no chance to stop them.
      [WorkerEnv.ParentPid]: String(process.pid),
      ...config.tuning.workerEnv,
    },
    maxWorkers: config.localWorkersMax,
    ...(config.tuning.workerLogFile ? { logFile: config.tuning.workerLogFile } : {}),
  };
}
