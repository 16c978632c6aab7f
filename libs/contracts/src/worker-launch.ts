import { DATA_DIR_ENV } from './admission/corpus-reference.js';

/**
 * How a worker process is started: the contract between whoever launches workers (local dispatch in the
 * control plane; the Helm chart and k8s/ manifests set the same variables) and the worker, which reads its
 * whole configuration from these environment variables (apps/worker/src/config/worker.config.ts).
 */
export const WorkerEnv = {
  RedisUrl: 'REDIS_URL',
  QueuePrefix: 'SCALEPLAN_QUEUE_PREFIX',
  CheckpointDir: 'SCALEPLAN_CHECKPOINT_DIR',
  Backend: 'SCALEPLAN_TFJS_BACKEND',
  LockDurationMs: 'SCALEPLAN_LOCK_DURATION_MS',
  StalledIntervalMs: 'SCALEPLAN_STALLED_INTERVAL_MS',
  /** Seconds without work after which the worker exits; 0 = never. */
  IdleExitSeconds: 'SCALEPLAN_WORKER_IDLE_EXIT_SECONDS',
  LogLevel: 'LOG_LEVEL',
  /** Pid of the control plane that started a local worker; the worker exits when that process is gone. */
  ParentPid: 'SCALEPLAN_PARENT_PID',
  /** Directory of the corpora studies may name by relative path (admission/corpus-reference.ts). */
  DataDir: DATA_DIR_ENV,
} as const;

/** The built worker, relative to the repository root (`npm run build` writes it). */
export const WORKER_ENTRY_POINT = 'dist/apps/worker/src/main.js';
