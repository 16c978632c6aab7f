import { ResourceKind, type ComputeBudget, type ObjectRef, type ScalingLaw } from '@scaleplan/contracts';
import type { Logger } from 'pino';
import type { ControlPlaneEvents } from '../events/control-plane-events.js';
import type { EventBus } from '../events/event-bus.js';
import { refKey, refOf, type ResourceChange, type ResourceStore } from '../resources/resource-store.js';
import { ReconcileQueue } from './reconcile-queue.js';

/** Reconcilers as the loop sees them. */
export interface Reconciler {
  reconcile(ref: ObjectRef): Promise<void>;
}

/**
 * Feeds the per-object serial queue from every source of change — store events, run results
 * (`RunsFinished`, `RunsProgressed`), refits (`LawRefitted`) and a periodic resync of everything
 * (level-based: a missed event is repaired at the next resync) — and routes each key to its reconciler.
 * A ScalingLaw change or refit also wakes the budgets that use it. Each finished reconcile announces
 * `DemandChanged` (it may have queued or cancelled runs).
 */
export class ReconcileLoop {
  private readonly queue: ReconcileQueue;
  private readonly unsubscribe: (() => void)[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  /** `triggerBudgetsOf` calls still listing budgets (`whenIdle` waits for them). */
  private readonly triggering = new Set<Promise<void>>();

  constructor(
    private readonly laws: ResourceStore<ScalingLaw>,
    private readonly budgets: ResourceStore<ComputeBudget>,
    private readonly lawReconciler: Reconciler,
    private readonly budgetReconciler: Reconciler,
    private readonly bus: EventBus,
    private readonly events: ControlPlaneEvents,
    private readonly log: Logger,
    private readonly resyncSeconds: number,
  ) {
    this.queue = new ReconcileQueue((key) => this.dispatch(key), log, { concurrency: 4 });
  }

  start(): void {
    this.unsubscribe.push(
      this.laws.onChange((change) => {
        const ref = this.announce(ResourceKind.ScalingLaw, change);
        if (change.type !== 'deleted') this.triggerLaw(ref);
        this.triggerBudgetsInBackground(ref);
      }),
      this.budgets.onChange((change) => {
        const ref = this.announce(ResourceKind.ComputeBudget, change);
        if (change.type !== 'deleted') this.triggerBudget(ref);
      }),
      this.events.on('RunsFinished', ({ ownerKind, owner }) => this.triggerOwner(ownerKind, owner)),
      this.events.on('RunsProgressed', ({ ownerKind, owner }) => this.triggerOwner(ownerKind, owner)),
      this.events.on('LawRefitted', ({ ref }) => {
        this.triggerLaw(ref);
        this.triggerBudgetsInBackground(ref);
      }),
    );
    this.resyncTimer = setInterval(() => void this.resync(), this.resyncSeconds * 1000);
    this.resyncTimer.unref();
    void this.resync();
  }

  /** Tells the event bus (SSE, dashboard) about a stored change; returns the object's ref. */
  private announce(kind: ResourceKind, { type, resource }: ResourceChange<ScalingLaw | ComputeBudget>): ObjectRef {
    const ref = refOf(resource);
    this.bus.publish({ type: 'resource', kind, change: type, namespace: ref.namespace, name: ref.name, phase: resource.status?.phase });
    return ref;
  }

  private triggerOwner(kind: ResourceKind, owner: ObjectRef): void {
    if (kind === ResourceKind.ScalingLaw) this.triggerLaw(owner);
    else this.triggerBudget(owner);
  }

  private triggerBudgetsInBackground(law: ObjectRef): void {
    const listing = this.triggerBudgetsOf(law).finally(() => this.triggering.delete(listing));
    this.triggering.add(listing);
  }

  private triggerLaw(ref: ObjectRef): void {
    this.queue.enqueue(`${ResourceKind.ScalingLaw}/${refKey(ref)}`);
  }

  private triggerBudget(ref: ObjectRef): void {
    this.queue.enqueue(`${ResourceKind.ComputeBudget}/${refKey(ref)}`);
  }

  /** Wakes every budget of the namespace that names this law. */
  private async triggerBudgetsOf(law: ObjectRef): Promise<void> {
    try {
      for (const budget of await this.budgets.list(law.namespace)) {
        if (budget.spec.scalingLaw === law.name) this.triggerBudget(refOf(budget));
      }
    } catch (error) {
      this.log.debug({ err: error }, 'Failed to list ComputeBudgets');
    }
  }

  /** Enqueues every object (startup and periodic resync). */
  async resync(): Promise<void> {
    try {
      for (const law of await this.laws.list()) this.triggerLaw(refOf(law));
      for (const budget of await this.budgets.list()) this.triggerBudget(refOf(budget));
    } catch (error) {
      this.log.debug({ err: error }, 'Failed to resync resources');
    }
  }

  /** Resolves when no reconcile is queued or running. */
  async whenIdle(): Promise<void> {
    while (this.triggering.size > 0) await Promise.all(this.triggering);
    return this.queue.whenIdle();
  }

  get depth(): number {
    return this.queue.depth;
  }

  async close(): Promise<void> {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const off of this.unsubscribe) off();
    await this.queue.close();
  }

  private async dispatch(key: string): Promise<void> {
    const [kind, namespace, name] = key.split('/') as [string, string, string];
    const ref = { namespace, name };
    await (kind === ResourceKind.ScalingLaw ? this.lawReconciler.reconcile(ref) : this.budgetReconciler.reconcile(ref));
    this.events.publish({ type: 'DemandChanged' });
  }
}
