import { DEFAULT_QUEUE_PREFIX } from '@scaleplan/contracts';
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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Every bad variable, named, in one error (STYLE.md §6.4). */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid worker configuration: ${problems.join('; ')}`);
  }
}

/** Parses and validates the worker's environment; throws {@link WorkerConfigError} listing all problems. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const problems: string[] = [];
  const text = (name: string, fallback: string): string => {
    const value = env[name];
    return value === undefined || value === '' ? fallback : value;
  };
  const integer = (name: string, fallback: number, min: number): number => {
    const raw = text(name, String(fallback));
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      problems.push(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
      return fallback;
    }
    return value;
  };
  const redisUrl = text('REDIS_URL', 'redis://127.0.0.1:6379');
  if (!/^rediss?:\/\//.test(redisUrl)) problems.push(`REDIS_URL must start with redis:// or rediss://, got ${JSON.stringify(redisUrl)}`);
  const queuePrefix = text('SCALEPLAN_QUEUE_PREFIX', DEFAULT_QUEUE_PREFIX);
  if (queuePrefix.includes(':')) problems.push(`SCALEPLAN_QUEUE_PREFIX may not contain ':', got ${JSON.stringify(queuePrefix)}`);
  const backend = text('SCALEPLAN_TFJS_BACKEND', 'auto');
  if (!(BACKEND_PREFERENCES as readonly string[]).includes(backend)) {
    problems.push(`SCALEPLAN_TFJS_BACKEND must be one of ${BACKEND_PREFERENCES.join(', ')}, got ${JSON.stringify(backend)}`);
  }
  const logLevel = text('LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  const config: WorkerConfig = {
    redisUrl,
    queuePrefix,
    checkpointDir: text('SCALEPLAN_CHECKPOINT_DIR', './.scaleplan/checkpoints'),
    backend: backend as BackendPreference,
    lockDurationMs: integer('SCALEPLAN_LOCK_DURATION_MS', 15_000, 1000),
    stalledIntervalMs: integer('SCALEPLAN_STALLED_INTERVAL_MS', 15_000, 1000),
    idleExitSeconds: integer('SCALEPLAN_WORKER_IDLE_EXIT_SECONDS', 0, 0),
    logLevel,
  };
  if (problems.length > 0) throw new WorkerConfigError(problems);
  return Object.freeze(config);
}
