import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { DEFAULT_QUEUE_PREFIX, EnvironmentReader, LOG_LEVELS } from '@scaleplan/contracts';

/** Where workers come from. */
export type DispatchMode = 'local' | 'kubernetes';

/** The control plane's whole configuration, parsed once from the environment (STYLE.md §6.4). */
export interface ControlPlaneConfig {
  /** HTTP port. @default 8080 (0 = any free port) */
  readonly port: number;
  /** Interface the HTTP server binds. @default '0.0.0.0' */
  readonly host: string;
  /** @default 'redis://127.0.0.1:6379' */
  readonly redisUrl: string;
  /** BullMQ and store key prefix. @default 'scaleplan' */
  readonly queuePrefix: string;
  /** @default 'local' */
  readonly dispatch: DispatchMode;
  /** Most worker child processes in local mode. @default 1 */
  readonly localWorkersMax: number;
  /** Bearer token of mutating endpoints. */
  readonly dashboardToken: string;
  /** True when the token was generated because none was configured (local mode only). */
  readonly dashboardTokenGenerated: boolean;
  /** Namespace watched in kubernetes mode ('' = all). */
  readonly namespace: string;
  readonly workerDeployment: string;
  readonly workersMin: number;
  readonly workersMax: number;
  readonly workerImage: string;
  /** Keep or delete stored run results when a study is deleted. @default 'delete' */
  readonly resultRetention: 'delete' | 'keep';
  /** pino level. @default 'info' */
  readonly logLevel: string;
  /** Tunables that are not environment variables (tests and the demo override them). */
  readonly tuning: ControlPlaneTuning;
}

/** Internal timings; not part of the environment contract. */
export interface ControlPlaneTuning {
  /** Periodic full resync of every resource. @default 10 */
  readonly resyncSeconds: number;
  /** Quiet time after the last result before a study is refitted. @default 250 */
  readonly refitDebounceMs: number;
  /** Idle time after which a local worker child exits (passed as SCALEPLAN_WORKER_IDLE_EXIT_SECONDS). @default 30 */
  readonly localWorkerIdleExitSeconds: number;
  /** Lock duration and stalled interval given to local workers (bounds crash recovery). @default 15000 */
  readonly localWorkerLockMs: number;
  /** Attempts per run before it fails. @default 3 */
  readonly runAttempts: number;
  /** First retry delay; doubles per attempt. @default 2000 */
  readonly runBackoffMs: number;
  /** Extra environment for local worker children (e.g. checkpoint dir in tests). */
  readonly workerEnv: Readonly<Record<string, string>>;
  /** Command that starts one worker. @default node <repo>/dist/apps/worker/src/main.js */
  readonly workerCommand: readonly string[] | null;
  /** File the local workers' output is appended to (null: the control plane's stdout/stderr). @default null */
  readonly workerLogFile: string | null;
  /** Don't start local workers at all (tests that drive the queue themselves). @default false */
  readonly disableDispatch: boolean;
  /** Kubernetes mode: how long an informer may fail before /readyz answers 503. @default 30000 */
  readonly informerReadinessGraceMs: number;
}

export const DEFAULT_TUNING: ControlPlaneTuning = {
  resyncSeconds: 10,
  refitDebounceMs: 250,
  localWorkerIdleExitSeconds: 30,
  localWorkerLockMs: 15_000,
  runAttempts: 3,
  runBackoffMs: 2_000,
  workerEnv: {},
  workerCommand: null,
  workerLogFile: null,
  disableDispatch: false,
  informerReadinessGraceMs: 30_000,
};

/** DI token of the frozen `ControlPlaneConfig`. */
export const CONTROL_PLANE_CONFIG = Symbol('CONTROL_PLANE_CONFIG');

/** Thrown when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'InvalidConfig';
}

/**
 * Parses the control plane's environment once. Every invalid variable is reported together.
 * `overrides` (from `startControlPlane`) win over the environment.
 */
export function loadControlPlaneConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<Omit<ControlPlaneConfig, 'tuning'>> & { tuning?: Partial<ControlPlaneTuning> } = {},
): ControlPlaneConfig {
  const read = new EnvironmentReader(env);
  const problems = read.problems;
  const port = read.integer('PORT', 8080, 0, 65_535);
  const redisUrl = read.redisUrl();
  const queuePrefix = read.queuePrefix('SCALEPLAN_QUEUE_PREFIX', DEFAULT_QUEUE_PREFIX);
  const dispatch = overrides.dispatch ?? read.oneOf<DispatchMode>('SCALEPLAN_DISPATCH', ['local', 'kubernetes'], 'local');
  // One worker per core: a worker trains on one thread (wasm backend), so each core trains one run.
  const localWorkersMax = read.integer('SCALEPLAN_LOCAL_WORKERS_MAX', Math.min(64, availableParallelism()), 0, 64);
  const workersMin = read.integer('SCALEPLAN_WORKERS_MIN', 0, 0, 10_000);
  const workersMax = read.integer('SCALEPLAN_WORKERS_MAX', 4, 0, 10_000);
  if (workersMin > workersMax) problems.push(`SCALEPLAN_WORKERS_MIN=${workersMin} exceeds SCALEPLAN_WORKERS_MAX=${workersMax}`);
  const resultRetention = read.oneOf('SCALEPLAN_RESULT_RETENTION', ['delete', 'keep'] as const, 'delete');
  const logLevel = read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');

  let dashboardToken = overrides.dashboardToken ?? env.SCALEPLAN_DASHBOARD_TOKEN ?? '';
  const tokenFile = env.SCALEPLAN_DASHBOARD_TOKEN_FILE;
  if (!dashboardToken && tokenFile) {
    try {
      dashboardToken = readFileSync(tokenFile, 'utf8').trim();
      if (!dashboardToken) problems.push(`SCALEPLAN_DASHBOARD_TOKEN_FILE=${tokenFile}: the file is empty`);
    } catch (error) {
      problems.push(`SCALEPLAN_DASHBOARD_TOKEN_FILE=${tokenFile}: cannot read it (${(error as Error).message})`);
    }
  }
  let dashboardTokenGenerated = false;
  if (!dashboardToken) {
    if (dispatch === 'kubernetes')
      problems.push('SCALEPLAN_DASHBOARD_TOKEN (or SCALEPLAN_DASHBOARD_TOKEN_FILE) is required when SCALEPLAN_DISPATCH=kubernetes');
    dashboardToken = randomBytes(18).toString('base64url');
    dashboardTokenGenerated = true;
  }

  if (problems.length > 0) throw new ConfigError(`Invalid control-plane environment:\n  - ${problems.join('\n  - ')}`);

  const { tuning, ...rest } = overrides;
  return Object.freeze({
    port,
    host: '0.0.0.0',
    redisUrl,
    queuePrefix,
    dispatch,
    localWorkersMax,
    dashboardToken,
    dashboardTokenGenerated,
    namespace: env.SCALEPLAN_NAMESPACE ?? '',
    workerDeployment: env.SCALEPLAN_WORKER_DEPLOYMENT ?? '',
    workersMin,
    workersMax,
    workerImage: env.SCALEPLAN_WORKER_IMAGE ?? '',
    resultRetention,
    logLevel,
    ...rest,
    tuning: Object.freeze({ ...DEFAULT_TUNING, ...tuning }),
  });
}
