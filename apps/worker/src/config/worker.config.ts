import { DEFAULT_QUEUE_PREFIX, EnvironmentReader, LOG_LEVELS, WorkerEnv } from '@scaleplan/contracts';
import { BACKEND_PREFERENCES, type BackendPreference } from '@scaleplan/language-model';

/** The worker's settings, parsed once from the environment at start (the only place that reads process.env). */
export interface WorkerConfig {
  /** `REDIS_URL` @default 'redis://127.0.0.1:6379' */
  readonly redisUrl: string;
  /** `SCALEPLAN_QUEUE_PREFIX` @default 'scaleplan' */
  readonly queuePrefix: string;
  /** `SCALEPLAN_CHECKPOINT_DIR` (a volume in Kubernetes) @default './.scaleplan/checkpoints' */
  readonly checkpointDir: string;
  /** `SCALEPLAN_TFJS_BACKEND` @default 'auto' */
  readonly backend: BackendPreference;
  /** `SCALEPLAN_LOCK_DURATION_MS` @default 15000 */
  readonly lockDurationMs: number;
  /** `SCALEPLAN_STALLED_INTERVAL_MS` @default 15000 */
  readonly stalledIntervalMs: number;
  /** `SCALEPLAN_WORKER_IDLE_EXIT_SECONDS`; 0 = never exit when idle. @default 0 */
  readonly idleExitSeconds: number;
  /** `LOG_LEVEL` (pino) @default 'info' */
  readonly logLevel: string;
}

/** Every bad variable, named, in one error (STYLE.md §6.4). */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid worker configuration: ${problems.join('; ')}`);
  }
}

/** Parses and validates the worker's environment; throws {@link WorkerConfigError} listing all problems. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const read = new EnvironmentReader(env);
  const config: WorkerConfig = {
    redisUrl: read.redisUrl(),
    queuePrefix: read.queuePrefix(WorkerEnv.QueuePrefix, DEFAULT_QUEUE_PREFIX),
    checkpointDir: read.text(WorkerEnv.CheckpointDir, './.scaleplan/checkpoints'),
    backend: read.oneOf<BackendPreference>(WorkerEnv.Backend, BACKEND_PREFERENCES, 'auto'),
    lockDurationMs: read.integer(WorkerEnv.LockDurationMs, 15_000, 1000),
    stalledIntervalMs: read.integer(WorkerEnv.StalledIntervalMs, 15_000, 1000),
    idleExitSeconds: read.integer(WorkerEnv.IdleExitSeconds, 0, 0),
    logLevel: read.oneOf(WorkerEnv.LogLevel, LOG_LEVELS, 'info'),
  };
  if (read.problems.length > 0) throw new WorkerConfigError(read.problems);
  return Object.freeze(config);
}
