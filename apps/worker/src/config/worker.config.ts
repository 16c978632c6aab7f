import { DEFAULT_QUEUE_PREFIX, EnvironmentReader, LOG_LEVELS, TrainerEnv, WorkerEnv } from '@scaleplan/contracts';
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
  /**
   * `SCALEPLAN_DATA_DIR`: the directory whose files and subdirectories studies may name as their corpus (by a
   * relative path); nothing outside it is ever opened. Absent: only the built-in corpora.
   */
  readonly dataDir?: string;
  /** `SCALEPLAN_PARENT_PID`: exit when this process is gone (local workers of a killed control plane). @default 0 (none) */
  readonly parentPid: number;
  /**
   * `SCALEPLAN_RUN_FILE`: train this one run and exit, as a trainer of the trainer contract (dispatch mode jobs),
   * instead of consuming the queue. Absent in queue mode.
   */
  readonly runFile?: string;
  /** `SCALEPLAN_REPORT_URL` (single-run mode): where reports are POSTed; absent = JSON lines only. */
  readonly reportUrl?: string;
  /** `SCALEPLAN_RUN_TOKEN` (single-run mode): the run's report token. */
  readonly runToken?: string;
}

/** Every bad variable, named, in one error (STYLE.md §6.4). */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid worker configuration: ${problems.join('; ')}`);
  }
}

function singleRunSettings(read: EnvironmentReader): Pick<WorkerConfig, 'runFile' | 'reportUrl' | 'runToken'> {
  const runFile = read.text(TrainerEnv.RunFile, '');
  if (!runFile) return {};
  return { runFile, reportUrl: read.text(TrainerEnv.ReportUrl, ''), runToken: read.text(TrainerEnv.RunToken, '') };
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
    parentPid: read.integer(WorkerEnv.ParentPid, 0, 0),
    ...(read.raw(WorkerEnv.DataDir) !== undefined ? { dataDir: read.raw(WorkerEnv.DataDir) } : {}),
    ...singleRunSettings(read),
  };
  if (read.problems.length > 0) throw new WorkerConfigError(read.problems);
  return Object.freeze(config);
}
