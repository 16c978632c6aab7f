import type { KubeConfig } from '@kubernetes/client-node';
import {
  COMPUTE_BUDGET_GVR,
  computeBudgetSpecSchema,
  ComputeBudgetPhase,
  ConditionReason,
  ResourceKind,
  SCALING_LAW_GVR,
  ScalingLawPhase,
  scalingLawSpecSchema,
  type ComputeBudget,
  type ScalingLaw,
} from '@scaleplan/contracts';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ControlPlaneConfig } from '../config/control-plane.config.js';
import type { WorkerDispatcher } from '../dispatch/worker-dispatcher.js';
import type { ResourceStore } from '../resources/resource-store.js';
import { DeploymentScaleDispatcher, NoopWorkerDispatcher } from './deployment-scale-dispatcher.js';
import { createKubeClients, type KubeClients, loadKubeConfig } from './kube-client.js';
import { RunClaims } from './jobs/run-claims.js';
import { RunJobDispatcher } from './jobs/run-job-dispatcher.js';
import { RunReportStore } from './jobs/run-report-store.js';
import { KubeEventRecorder } from './kube-event-recorder.js';
import { KubeResourceStore } from './kube-resource-store.js';
import { ValidatingResourceStore } from './validating-resource-store.js';

/** Everything kubernetes mode swaps in for the local backends. */
export interface KubernetesBackends {
  readonly laws: ResourceStore<ScalingLaw>;
  readonly budgets: ResourceStore<ComputeBudget>;
  readonly dispatcher: WorkerDispatcher;
  readonly clients: KubeClients;
  readonly events: KubeEventRecorder;
  /** Run tokens and trainer reports (dispatch mode jobs only). */
  readonly reports?: RunReportStore;
  /** Starts both informers; resolves when their first watches are open. */
  start(): Promise<void>;
  /** True while both informers are watching (readiness). */
  healthy(): boolean;
  /** Health and restart count of each kind's informer (metrics, readiness). */
  informers(): InformerHealth[];
  close(): Promise<void>;
}

/** One kind's informer, as /metrics and /readyz see it. */
export interface InformerHealth {
  readonly kind: string;
  /** Watching (not waiting for a restart). */
  readonly healthy: boolean;
  readonly restarts: number;
  /** Started (false before `start` and after `close`). */
  readonly running: boolean;
  /** Wall-clock ms since when it has been failing (restarts included); undefined while it works. */
  readonly failingSince?: number;
}

/** Options that are not part of the environment contract. */
export interface KubernetesBackendOptions {
  /** A loaded kubeconfig (tests); by default KUBECONFIG, ~/.kube/config or the in-cluster account. */
  readonly kubeConfig?: KubeConfig;
  /** Stabilisation window before scaling workers down. @default 30000 */
  readonly scaleDownDelayMs?: number;
  /** Dispatch mode jobs: how long a held run's lock lasts without renewal. @default 60000 */
  readonly runLockMs?: number;
}

/**
 * Builds the kubernetes-mode backends from the control plane's configuration: custom-resource stores
 * (validated, with informers restarted with backoff and a periodic resync), the Event recorder, and
 * the worker dispatcher that scales SCALEPLAN_WORKER_DEPLOYMENT.
 */
export function createKubernetesBackends(
  config: ControlPlaneConfig,
  log: Logger,
  options: KubernetesBackendOptions = {},
): KubernetesBackends {
  const clients = createKubeClients(options.kubeConfig ?? loadKubeConfig());
  const events = new KubeEventRecorder(clients.core, log.child({ context: 'KubeEventRecorder' }));
  const informer = { resyncSeconds: Math.max(config.tuning.resyncSeconds, 1) * 3 };
  const informerLog = log.child({ context: 'ResilientInformer' });
  const factory = KubeResourceStore.informerFactory(clients.config, informerLog, informer);
  const rawLaws = new KubeResourceStore<ScalingLaw>(
    clients.customObjects,
    events,
    { kind: ResourceKind.ScalingLaw, ...SCALING_LAW_GVR, namespace: config.namespace },
    log.child({ context: 'ScalingLawStore' }),
    factory,
  );
  const rawBudgets = new KubeResourceStore<ComputeBudget>(
    clients.customObjects,
    events,
    { kind: ResourceKind.ComputeBudget, ...COMPUTE_BUDGET_GVR, namespace: config.namespace },
    log.child({ context: 'ComputeBudgetStore' }),
    factory,
  );
  const laws = new ValidatingResourceStore<ScalingLaw>(
    rawLaws,
    scalingLawSpecSchema,
    { reason: ConditionReason.InvalidSweep, phase: ScalingLawPhase.Degraded },
    log.child({ context: 'ScalingLawStore' }),
  );
  const budgets = new ValidatingResourceStore<ComputeBudget>(
    rawBudgets,
    computeBudgetSpecSchema,
    { reason: ConditionReason.InvalidBudget, phase: ComputeBudgetPhase.Degraded },
    log.child({ context: 'ComputeBudgetStore' }),
  );
  const jobs = config.runJobs.mode === 'jobs' ? createRunJobDispatcher(config, clients, laws, budgets, events, log, options) : undefined;
  const dispatcher: WorkerDispatcher = jobs
    ? jobs.dispatcher
    : config.workerDeployment
      ? new DeploymentScaleDispatcher(
          clients.apps,
          {
            namespace: clients.defaultNamespace,
            deployment: config.workerDeployment,
            minReplicas: config.workersMin,
            maxReplicas: config.workersMax,
            scaleDownDelayMs: options.scaleDownDelayMs,
          },
          log.child({ context: 'DeploymentScaleDispatcher' }),
        )
      : new NoopWorkerDispatcher();
  return {
    laws,
    budgets,
    dispatcher,
    clients,
    events,
    ...(jobs ? { reports: jobs.reports } : {}),
    async start() {
      await Promise.all([rawLaws.start(), rawBudgets.start(), jobs?.claims.start()]);
    },
    healthy: () => Boolean(rawLaws.watcher?.healthy && rawBudgets.watcher?.healthy),
    informers: () =>
      [rawLaws, rawBudgets].map((store) => ({
        kind: store.kind,
        healthy: store.watcher?.healthy ?? false,
        restarts: store.watcher?.restarts ?? 0,
        running: store.watcher?.isRunning ?? false,
        ...(store.watcher?.failingSince !== undefined ? { failingSince: store.watcher.failingSince } : {}),
      })),
    async close() {
      await dispatcher.close();
      await jobs?.close();
      await Promise.all([rawLaws.close(), rawBudgets.close()]);
    },
  };
}

/** Dispatch mode jobs: a Job per run, with its own Redis connection for the claimed runs and the trainers' reports. */
function createRunJobDispatcher(
  config: ControlPlaneConfig,
  clients: KubeClients,
  laws: ResourceStore<ScalingLaw>,
  budgets: ResourceStore<ComputeBudget>,
  events: KubeEventRecorder,
  log: Logger,
  options: KubernetesBackendOptions,
): { dispatcher: RunJobDispatcher; claims: RunClaims; reports: RunReportStore; close(): Promise<void> } {
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', () => undefined); // surfaced through the calls
  const claims = new RunClaims({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    ...(options.runLockMs ? { lockMs: options.runLockMs } : {}),
  });
  const reports = new RunReportStore(redis, config.queuePrefix);
  const dispatcher = new RunJobDispatcher(
    {
      batch: clients.batch,
      core: clients.core,
      claims,
      reports,
      laws,
      budgets,
      recordEvent: (subject, type, reason, message) => events.record(subject, type, reason, message),
      log: log.child({ context: 'RunJobDispatcher' }),
    },
    {
      installation: config.queuePrefix,
      builtinImage: config.workerImage || 'ghcr.io/scaleplan/worker:0.1.0',
      reportUrl: config.runJobs.reportUrl,
      finalRunPriorityClass: config.runJobs.finalRunPriorityClass,
      sweepRunPriorityClass: config.runJobs.sweepRunPriorityClass,
      ttlSeconds: config.runJobs.ttlSeconds,
      timeoutSeconds: config.runJobs.timeoutSeconds,
      maxJobs: config.workersMax,
      namespace: config.namespace,
    },
  );
  return {
    dispatcher,
    claims,
    reports,
    async close() {
      await claims.close();
      redis.disconnect();
    },
  };
}
