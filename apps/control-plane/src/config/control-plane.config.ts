import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DEFAULT_QUEUE_PREFIX } from '@scaleplan/contracts';

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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Parses the control plane's environment once. Every invalid variable is reported together.
 * `overrides` (from `startControlPlane`) win over the environment.
 */
export function loadControlPlaneConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<Omit<ControlPlaneConfig, 'tuning'>> & { tuning?: Partial<ControlPlaneTuning> } = {},
): ControlPlaneConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected an integer from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return raw as T;
  };

  const port = int('PORT', 8080, 0, 65_535);
  const redisUrl = env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(redisUrl)) problems.push(`REDIS_URL=${JSON.stringify(redisUrl)}: expected redis://host:port or rediss://…`);
  const queuePrefix = env.SCALEPLAN_QUEUE_PREFIX || DEFAULT_QUEUE_PREFIX;
  if (!/^[A-Za-z0-9_.-]+$/.test(queuePrefix)) problems.push(`SCALEPLAN_QUEUE_PREFIX=${JSON.stringify(queuePrefix)}: expected letters, digits, '_', '.', '-' (no ':')`);
  const dispatch = overrides.dispatch ?? oneOf<DispatchMode>('SCALEPLAN_DISPATCH', ['local', 'kubernetes'], 'local');
  const localWorkersMax = int('SCALEPLAN_LOCAL_WORKERS_MAX', 1, 0, 64);
  const workersMin = int('SCALEPLAN_WORKERS_MIN', 0, 0, 10_000);
  const workersMax = int('SCALEPLAN_WORKERS_MAX', 4, 0, 10_000);
  if (workersMin > workersMax) problems.push(`SCALEPLAN_WORKERS_MIN=${workersMin} exceeds SCALEPLAN_WORKERS_MAX=${workersMax}`);
  const resultRetention = oneOf('SCALEPLAN_RESULT_RETENTION', ['delete', 'keep'] as const, 'delete');
  const logLevel = oneOf('LOG_LEVEL', LOG_LEVELS, 'info');

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
    if (dispatch === 'kubernetes') problems.push('SCALEPLAN_DASHBOARD_TOKEN (or SCALEPLAN_DASHBOARD_TOKEN_FILE) is required when SCALEPLAN_DISPATCH=kubernetes');
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
