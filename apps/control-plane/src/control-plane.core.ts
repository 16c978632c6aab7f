import { ResourceKind, type ComputeBudget, type ObjectRef, type ScalingLaw } from '@scaleplan/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ComputeBudgetReconciler } from './budgets/compute-budget.reconciler.js';
import type { ControlPlaneConfig } from './config/control-plane.config.js';
import { DispatchLoop } from './dispatch/dispatch-loop.js';
import type { WorkerDispatcher } from './dispatch/worker-dispatcher.js';
import type { EventBus } from './events/event-bus.js';
import type { ControlPlaneMetrics } from './http/control-plane.metrics.js';
import { FitStore } from './planning/fit-store.js';
import type { LawFitter } from './planning/law-fitter.js';
import { PresetCatalog } from './planning/presets.js';
import { RefitScheduler } from './planning/refit-scheduler.js';
import { ReconcileLoop } from './reconcile/reconcile-loop.js';
import { refKey, type ResourceStore } from './resources/resource-store.js';
import { ScalingLawReconciler } from './scaling-laws/scaling-law.reconciler.js';
import { ResultCollector } from './scheduling/result-collector.js';
import type { RunQueue } from './scheduling/run-queue.js';
import { RunStore } from './scheduling/run-store.js';
import type { BudgetFlopsResolver } from './planning/budget-flops.js';

/** Everything the core is built from (DI providers in the module; fakes in tests). */
export interface ControlPlaneCoreDeps {
  readonly config: ControlPlaneConfig;
  readonly redis: Redis;
  readonly laws: ResourceStore<ScalingLaw>;
  readonly budgets: ResourceStore<ComputeBudget>;
  readonly queue: RunQueue;
  readonly dispatcher: WorkerDispatcher;
  readonly bus: EventBus;
  readonly metrics: ControlPlaneMetrics;
  readonly fitter: LawFitter;
  readonly presets: PresetCatalog;
  readonly resolveFlops: BudgetFlopsResolver;
  readonly log: Logger;
}

/**
 * The control loop of ScalePlan, wired: stores → reconcile queue → reconcilers → BullMQ; results →
 * run store → debounced refits → reconcilers; queue demand → worker dispatcher.
 */
export class ControlPlaneCore {
  readonly runs: RunStore;
  readonly fits: FitStore;
  readonly refits: RefitScheduler;
  readonly loop: ReconcileLoop;
  readonly collector: ResultCollector;
  readonly dispatch: DispatchLoop;
  private started = false;

  constructor(readonly deps: ControlPlaneCoreDeps) {
    const { config, redis, laws, budgets, queue, bus, metrics, presets, log } = deps;
    const prefix = config.queuePrefix;
    const retainResults = config.resultRetention === 'keep';
    this.runs = new RunStore(redis, prefix);
    this.fits = new FitStore(redis, prefix);
    this.collector = new ResultCollector(
      queue,
      this.runs,
      (kind, owner) => {
        if (kind === ResourceKind.ScalingLaw) this.loop.triggerLaw(owner);
        else this.loop.triggerBudget(owner);
        this.dispatch.kick();
      },
      bus,
      metrics,
      log.child({ context: 'ResultCollector' }),
    );
    this.refits = new RefitScheduler((ref) => this.refit(ref), config.tuning.refitDebounceMs, log.child({ context: 'RefitScheduler' }));
    const lawReconciler = new ScalingLawReconciler({
      laws,
      runs: this.runs,
      queue,
      fits: this.fits,
      refits: this.refits,
      presets,
      retainResults,
      findLostRuns: (records) => this.collector.lostJobs(records),
      lostCheckMs: config.tuning.resyncSeconds * 1000,
      log: log.child({ context: 'ScalingLawReconciler' }),
    });
    const budgetReconciler = new ComputeBudgetReconciler({
      budgets,
      laws,
      runs: this.runs,
      queue,
      fits: this.fits,
      presets,
      resolveFlops: deps.resolveFlops,
      retainResults,
      log: log.child({ context: 'ComputeBudgetReconciler' }),
    });
    this.loop = new ReconcileLoop(
      laws,
      budgets,
      {
        reconcile: async (ref) => {
          await lawReconciler.reconcile(ref);
          this.dispatch.kick();
        },
      },
      {
        reconcile: async (ref) => {
          await budgetReconciler.reconcile(ref);
          this.dispatch.kick();
        },
      },
      bus,
      log.child({ context: 'ReconcileLoop' }),
      config.tuning.resyncSeconds,
    );
    this.dispatch = new DispatchLoop(() => queue.demand(), deps.dispatcher, log.child({ context: 'DispatchLoop' }));
  }

  /** Starts listening for results, reconciling and dispatching. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.collector.start();
    this.loop.start();
    if (!this.deps.config.tuning.disableDispatch) this.dispatch.start();
  }

  /** Refits one study with every method of its spec (called by the debounced scheduler). */
  private async refit(ref: ObjectRef): Promise<void> {
    const { laws, fitter, metrics, log, bus } = this.deps;
    const law = await laws.get(ref);
    if (!law || law.spec.preset || law.metadata.deletionTimestamp) return;
    // Approach 1 needs the loss curves (stored apart from the records); the others only final losses.
    const records = law.spec.fit.methods.includes(1)
      ? await this.runs.listWithCurves(ResourceKind.ScalingLaw, ref)
      : await this.runs.list(ResourceKind.ScalingLaw, ref);
    const previous = await this.fits.get(ref);
    // The budgets that allocate from this law: the verdict checks N_opt's interval where it is used.
    const budgetFlops = (await this.deps.budgets.list(ref.namespace))
      .filter((b) => b.spec.scalingLaw === ref.name && !b.metadata.deletionTimestamp)
      .flatMap((b) => {
        const resolved = this.deps.resolveFlops(b.spec);
        return resolved.ok ? [resolved.flops] : [];
      });
    const started = performance.now();
    const state = await fitter.fit(law, records, previous, budgetFlops);
    const seconds = (performance.now() - started) / 1000;
    metrics.onRefit(seconds);
    await this.fits.put(ref, state);
    log.info(
      {
        scalingLaw: refKey(ref),
        runs: state.runIds.length,
        methods: state.methods.map((m) => m.summary.method),
        seconds: Number(seconds.toFixed(3)),
      },
      'Refitted ScalingLaw',
    );
    bus.publish({
      type: 'fit',
      namespace: ref.namespace,
      name: ref.name,
      methods: state.methods.map((m) => m.summary.method),
      runs: state.runIds.length,
    });
    this.loop.triggerLaw(ref);
    await this.loop.triggerBudgetsOf(ref);
  }

  /** Resolves when no reconcile, refit or result collection is pending (tests, bench). */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await this.collector.drain();
      await this.refits.whenIdle();
      await this.loop.whenIdle();
    }
  }

  async stop(): Promise<void> {
    await this.dispatch.close();
    await this.collector.close();
    await this.refits.close();
    await this.loop.close();
  }
}
