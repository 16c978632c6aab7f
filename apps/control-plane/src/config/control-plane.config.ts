import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { DEFAULT_QUEUE_PREFIX, EnvironmentReader, LOG_LEVELS, WorkerEnv } from '@scaleplan/contracts';

/** Where workers come from. */
export type DispatchMode = 'local' | 'kubernetes';

/** The control plane's whole configuration, parsed once from the environment (STYLE.md §6.4). */
export interface ControlPlaneConfig {
  /** HTTP port. @default 8080 (0 = any free port) */
  readonly port: number;
  /**
   * Address the HTTP server binds (SCALEPLAN_BIND). @default '127.0.0.1' in local mode (nothing off this
   * machine can reach it); '0.0.0.0' in kubernetes mode, where the kubelet's probes and the Service reach
   * the pod on its own IP, and the network boundary is the Service (every route but /healthz and /readyz
   * still needs the token).
   */
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
  /** Image of the worker Deployment, and of the built-in trainer in dispatch mode jobs (SCALEPLAN_WORKER_IMAGE). */
  readonly workerImage: string;
  /** Kubernetes mode: how runs get workers (SCALEPLAN_KUBE_DISPATCH and the run-Job settings). */
  readonly runJobs: RunJobsConfig;
  /** Keep or delete stored run results when a study is deleted. @default 'delete' */
  readonly resultRetention: 'delete' | 'keep';
  /** pino level. @default 'info' */
  readonly logLevel: string;
  /** Most clients of the event stream (`GET /api/v1/events`) at once; more get 503. @default 100 */
  readonly sseMaxClients: number;
  /**
   * Single-writer lease on the prefix (SCALEPLAN_LEADER_LEASE_SECONDS): a second control plane waits as
   * standby, and replaces a crashed leader this long after its last renewal (renewed every third of it).
   * @default 15
   */
  readonly leaderLeaseSeconds: number;
  /**
   * Kubernetes mode: this control plane's own pod (SCALEPLAN_POD_NAME, SCALEPLAN_POD_NAMESPACE from the downward
   * API). The name is the Lease identity and the pod the leader labels for the Service; empty outside a pod.
   */
  readonly pod: { readonly name: string; readonly namespace: string };
  /** Tunables that are not environment variables (tests and the demo override them). */
  readonly tuning: ControlPlaneTuning;
}

/**
 * Where runs train in kubernetes mode: `deployment` scales the worker Deployment (workers pull runs from
 * BullMQ); `jobs` makes one batch/v1 Job per run (docs/kubernetes.md, "Dispatch mode jobs").
 */
export interface RunJobsConfig {
  /** SCALEPLAN_KUBE_DISPATCH @default 'deployment' */
  readonly mode: 'deployment' | 'jobs';
  /** Base URL trainers POST reports to, e.g. http://scaleplan-control-plane.scaleplan.svc; '' = JSON lines only. SCALEPLAN_REPORT_URL */
  readonly reportUrl: string;
  /** PriorityClass of final-run pods. SCALEPLAN_FINAL_RUN_PRIORITY_CLASS @default '' */
  readonly finalRunPriorityClass: string;
  /** PriorityClass of sweep-run pods. SCALEPLAN_SWEEP_RUN_PRIORITY_CLASS @default '' */
  readonly sweepRunPriorityClass: string;
  /** How long a finished run Job is kept (ttlSecondsAfterFinished). SCALEPLAN_RUN_JOB_TTL_SECONDS @default 3600 */
  readonly ttlSeconds: number;
  /** A run's deadline unless its study's trainer sets timeoutSeconds. SCALEPLAN_RUN_TIMEOUT_SECONDS @default 86400 */
  readonly timeoutSeconds: number;
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
  /** Failed authentications (wrong token or cookie) a client may make per window before it gets 429. @default 20 */
  readonly authFailuresPerWindow: number;
  /** Window of `authFailuresPerWindow`, and how long a client that passed it is refused. @default 60 */
  readonly authFailureWindowSeconds: number;
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
  authFailuresPerWindow: 20,
  authFailureWindowSeconds: 60,
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
  const host = read.text('SCALEPLAN_BIND', dispatch === 'kubernetes' ? '0.0.0.0' : '127.0.0.1');
  if (isIP(host) === 0 && host !== 'localhost') problems.push(`SCALEPLAN_BIND=${host} is not an IP address (e.g. 127.0.0.1, 0.0.0.0, ::)`);
  const sseMaxClients = read.integer('SCALEPLAN_SSE_MAX_CLIENTS', 100, 1, 100_000);
  const runJobs: RunJobsConfig = {
    mode: read.oneOf('SCALEPLAN_KUBE_DISPATCH', ['deployment', 'jobs'] as const, 'deployment'),
    reportUrl: read.text('SCALEPLAN_REPORT_URL', ''),
    finalRunPriorityClass: read.text('SCALEPLAN_FINAL_RUN_PRIORITY_CLASS', ''),
    sweepRunPriorityClass: read.text('SCALEPLAN_SWEEP_RUN_PRIORITY_CLASS', ''),
    ttlSeconds: read.integer('SCALEPLAN_RUN_JOB_TTL_SECONDS', 3600, 0, 30 * 86_400),
    timeoutSeconds: read.integer('SCALEPLAN_RUN_TIMEOUT_SECONDS', 86_400, 10, 30 * 86_400),
  };
  if (runJobs.reportUrl && !/^https?:\/\/[^/]/.test(runJobs.reportUrl))
    problems.push(`SCALEPLAN_REPORT_URL=${runJobs.reportUrl}: expected an http(s) URL`);
  const leaderLeaseSeconds = read.integer('SCALEPLAN_LEADER_LEASE_SECONDS', 15, 1, 3600);
  // The worker contract's variable, passed on to local workers: a killed worker's run is back after ~2× this.
  const localWorkerLockMs = read.integer(WorkerEnv.LockDurationMs, DEFAULT_TUNING.localWorkerLockMs, 1000, 600_000);

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
    host,
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
    sseMaxClients,
    leaderLeaseSeconds,
    pod: Object.freeze({ name: read.text('SCALEPLAN_POD_NAME', ''), namespace: read.text('SCALEPLAN_POD_NAMESPACE', '') }),
    runJobs: Object.freeze(runJobs),
    ...rest,
    tuning: Object.freeze({ ...DEFAULT_TUNING, localWorkerLockMs, ...tuning }),
  });
}
