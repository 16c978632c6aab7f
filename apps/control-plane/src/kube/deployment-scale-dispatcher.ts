import { type AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { CoalescedPasses } from '../dispatch/coalesced-passes.js';
import type { WorkDemand, WorkerDispatcher } from '../dispatch/worker-dispatcher.js';
import { apiStatusCode } from './kube-client.js';

/** Options of a `DeploymentScaleDispatcher`. */
export interface DeploymentScaleOptions {
  /** Namespace of the worker Deployment. */
  readonly namespace: string;
  /** Name of the worker Deployment (SCALEPLAN_WORKER_DEPLOYMENT). */
  readonly deployment: string;
  /** SCALEPLAN_WORKERS_MIN */
  readonly minReplicas: number;
  /** SCALEPLAN_WORKERS_MAX */
  readonly maxReplicas: number;
  /**
   * Demand must stay below the current replica count this long before scaling down, so a burst of
   * finished runs followed by a refit's new runs doesn't kill and restart pods (HPA's stabilisation window).
   * @default 30000
   */
  readonly scaleDownDelayMs?: number;
}

/** The replica count wanted for a demand: one worker per waiting or running run, within [min, max]. */
export const desiredReplicas = (demand: WorkDemand, min: number, max: number): number =>
  Math.max(min, Math.min(max, demand.waiting + demand.active));

const SCALE_CACHE_MS = 30_000;
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Kubernetes dispatch: scales the worker Deployment through its scale subresource between
 * SCALEPLAN_WORKERS_MIN and SCALEPLAN_WORKERS_MAX by queue depth. Workers pull runs from BullMQ, so
 * pods are interchangeable and need no Kubernetes credentials. Calls are serialised and coalesced:
 * only the latest demand matters.
 */
export class DeploymentScaleDispatcher implements WorkerDispatcher {
  private lastReplicas: number | undefined;
  private lastReadAt = 0;
  private belowSince: number | undefined;
  private pending: WorkDemand | undefined;
  private missingLogged = false;
  private readonly passes = new CoalescedPasses(
    () => this.applyPending(),
    (error) => {
      // The next queue change or periodic call retries.
      this.lastReplicas = undefined;
      this.log.warn({ err: error.message, deployment: this.target }, 'Failed to scale worker Deployment');
    },
  );

  constructor(
    private readonly apps: Pick<AppsV1Api, 'readNamespacedDeploymentScale' | 'patchNamespacedDeploymentScale'>,
    private readonly options: DeploymentScaleOptions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Replica count last read or written. */
  get replicas(): number | undefined {
    return this.lastReplicas;
  }

  reconcileWorkers(demand: WorkDemand): Promise<void> {
    if (this.passes.closed) return Promise.resolve();
    this.pending = demand;
    return this.passes.request();
  }

  close(): Promise<void> {
    return this.passes.close();
  }

  /** Only the latest demand matters. */
  private async applyPending(): Promise<void> {
    const demand = this.pending;
    this.pending = undefined;
    if (demand) await this.apply(demand);
  }

  private get target(): string {
    return `${this.options.namespace}/${this.options.deployment}`;
  }

  private async apply(demand: WorkDemand): Promise<void> {
    const { namespace, deployment: name, minReplicas, maxReplicas } = this.options;
    // Re-read now and then: someone else (helm upgrade, kubectl scale) may have changed the replica count.
    let current = this.now() - this.lastReadAt < SCALE_CACHE_MS ? this.lastReplicas : undefined;
    if (current === undefined) {
      try {
        const scale = await this.apps.readNamespacedDeploymentScale({ name, namespace });
        current = scale.spec?.replicas ?? 0;
        this.missingLogged = false;
      } catch (error) {
        if (apiStatusCode(error) === 404) {
          if (!this.missingLogged) this.log.warn({ deployment: this.target }, 'Worker Deployment not found, not scaling');
          this.missingLogged = true;
          return;
        }
        throw error;
      }
      this.lastReplicas = current;
      this.lastReadAt = this.now();
    }
    let wanted = desiredReplicas(demand, minReplicas, maxReplicas);
    if (wanted < current) {
      const now = this.now();
      this.belowSince ??= now;
      if (now - this.belowSince < (this.options.scaleDownDelayMs ?? 30_000)) wanted = current;
    } else {
      this.belowSince = undefined;
    }
    if (wanted === current) return;
    await this.apps.patchNamespacedDeploymentScale(
      { name, namespace, body: { spec: { replicas: wanted } }, fieldManager: 'scaleplan-control-plane' },
      MERGE_PATCH,
    );
    this.log.info(
      { deployment: this.target, from: current, to: wanted, waiting: demand.waiting, active: demand.active },
      'Scaled worker Deployment',
    );
    this.lastReplicas = wanted;
    this.belowSince = undefined;
  }
}

/** Kubernetes dispatch with no worker Deployment configured (SCALEPLAN_WORKER_DEPLOYMENT empty): workers are managed elsewhere. */
export class NoopWorkerDispatcher implements WorkerDispatcher {
  async reconcileWorkers(): Promise<void> {}
  async close(): Promise<void> {}
}
