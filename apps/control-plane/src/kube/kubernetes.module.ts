import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import { CONTROL_PLANE_METRICS } from '../control-plane.tokens.js';
import type { ControlPlaneMetrics } from '../http/control-plane.metrics.js';
import type { ControlPlaneConfig } from '../config/control-plane.config.js';
import type { ControlPlaneExtensions } from '../control-plane.module.js';
import { WORKER_DISPATCHER } from '../dispatch/worker-dispatcher.js';
import { READINESS_CHECKS } from '../http/readiness.js';
import { LEADER_GUARD } from '../leader/leader-guard.js';
import { COMPUTE_BUDGET_STORE, SCALING_LAW_STORE } from '../resources/resource-store.tokens.js';
import { InformerReadiness } from './informer-readiness.js';
import { dnsFragment } from './jobs/run-job-names.js';
import { RUN_REPORT_STORE, RunReportController } from './jobs/run-report.controller.js';
import { KubeLeaseLeaderGuard } from './kube-lease-leader-guard.js';
import { KubernetesAccessReviewer } from './kubernetes-access.js';
import { KubernetesAuthModule } from './kubernetes-auth.module.js';
import { leaderPodLabeler } from './leader-pod-label.js';
import { createKubernetesBackends, type KubernetesBackendOptions, type KubernetesBackends } from './kubernetes-backends.js';

/** DI token of the `KubernetesBackends` (health checks, tests). */
export const KUBERNETES_BACKENDS = Symbol('KUBERNETES_BACKENDS');

/**
 * Starts the informers when the application initialises and stops them when it closes; exports their
 * health on /metrics (`scaleplan_kube_informer_healthy`, `scaleplan_kube_informer_restarts`). /readyz
 * fails while one is down past the grace period (`InformerReadiness`).
 */
@Injectable()
export class KubernetesLifecycle implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(KUBERNETES_BACKENDS) private readonly backends: KubernetesBackends,
    @Inject(CONTROL_PLANE_METRICS) private readonly metrics: ControlPlaneMetrics,
  ) {}

  async onModuleInit(): Promise<void> {
    const backends = this.backends;
    const registers = [this.metrics.registry];
    new Gauge({
      name: 'scaleplan_kube_informer_healthy',
      help: '1 while the informer of a kind is watching, 0 while it waits to restart',
      labelNames: ['kind'],
      registers,
      collect() {
        for (const informer of backends.informers()) this.set({ kind: informer.kind }, informer.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'scaleplan_kube_informer_restarts',
      help: 'Restarts of the informer of a kind after watch errors',
      labelNames: ['kind'],
      registers,
      collect() {
        for (const informer of backends.informers()) this.set({ kind: informer.kind }, informer.restarts);
      },
    });
    await this.backends.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.backends.close();
  }
}

/**
 * The kubernetes-mode extension of the control-plane module (SCALEPLAN_DISPATCH=kubernetes): the
 * ScalingLaw and ComputeBudget stores become the custom resources (informers feed the reconcile loop),
 * and the dispatcher scales the worker Deployment. The REST API, dashboard and metrics are the core's and
 * serve unchanged on top of these stores.
 */
export function kubernetesExtensions(
  config: ControlPlaneConfig,
  log: Logger,
  options: KubernetesBackendOptions = {},
): ControlPlaneExtensions {
  const backends = createKubernetesBackends(config, log, options);
  log.info(
    {
      namespace: config.namespace || '(all)',
      dispatch: config.runJobs.mode,
      workerDeployment: config.runJobs.mode === 'jobs' ? '(not used)' : config.workerDeployment || '(none)',
      workersMin: config.workersMin,
      workersMax: config.workersMax,
    },
    'Configured kubernetes mode',
  );
  return {
    providers: [
      { provide: KUBERNETES_BACKENDS, useValue: backends },
      { provide: SCALING_LAW_STORE, useValue: backends.laws },
      { provide: COMPUTE_BUDGET_STORE, useValue: backends.budgets },
      { provide: WORKER_DISPATCHER, useValue: backends.dispatcher },
      { provide: READINESS_CHECKS, useValue: [new InformerReadiness(() => backends.informers(), config.tuning.informerReadinessGraceMs)] },
      ...(backends.reports ? [{ provide: RUN_REPORT_STORE, useValue: backends.reports }] : []),
      { provide: LEADER_GUARD, useValue: leaseLeaderGuard(config, backends, log) },
      KubernetesLifecycle,
    ],
    ...(backends.reports ? { controllers: [RunReportController] } : {}),
    imports: [
      KubernetesAuthModule.forRoot(
        new KubernetesAccessReviewer(backends.clients.authentication, backends.clients.authorization),
        log.child({ context: 'KubernetesAuth' }),
      ),
    ],
  };
}

/**
 * Kubernetes mode's single-writer guard: a coordination.k8s.io/v1 Lease named after the queue prefix, in the
 * control plane's namespace. In a pod (SCALEPLAN_POD_NAME set) the leader also labels its pod for the Service.
 */
function leaseLeaderGuard(config: ControlPlaneConfig, backends: KubernetesBackends, log: Logger): KubeLeaseLeaderGuard {
  const namespace = config.pod.namespace || backends.clients.defaultNamespace;
  return new KubeLeaseLeaderGuard(
    backends.clients.coordination,
    {
      namespace,
      name: `${dnsFragment(config.queuePrefix, 40) || 'scaleplan'}-control-plane`,
      leaseSeconds: config.leaderLeaseSeconds,
      ...(config.pod.name
        ? { identity: config.pod.name, onRoleChange: leaderPodLabeler(backends.clients.core, { namespace, name: config.pod.name }) }
        : {}),
    },
    log.child({ context: 'KubeLeaseLeaderGuard' }),
  );
}

/**
 * The module extensions for the configured dispatch mode: in kubernetes mode the kubernetes ones first,
 * then the caller's (whose providers win, as later providers with the same token do).
 */
export function extensionsForDispatch(
  config: ControlPlaneConfig,
  log: Logger,
  extensions: ControlPlaneExtensions = {},
): ControlPlaneExtensions {
  if (config.dispatch !== 'kubernetes') return extensions;
  const kube = kubernetesExtensions(config, log);
  return {
    imports: [...(kube.imports ?? []), ...(extensions.imports ?? [])],
    providers: [...(kube.providers ?? []), ...(extensions.providers ?? [])],
    controllers: [...(kube.controllers ?? []), ...(extensions.controllers ?? [])],
  };
}
