import { ResourceKind, RunState, type ComputeBudget, type ObjectRef, type ScalingLaw } from '@scaleplan/contracts';
import type { Logger } from 'pino';
import type { ControlPlaneEvents } from '../events/control-plane-events.js';
import type { EventBus } from '../events/event-bus.js';
import { refKey, type ResourceStore } from '../resources/resource-store.js';
import type { RunStore } from '../scheduling/run-store.js';
import type { BudgetFlopsResolver } from './budget-flops.js';
import type { FitStore } from './fit-store.js';
import type { LawFitter } from './law-fitter.js';
import { RefitScheduler } from './refit-scheduler.js';

/** What a refit reads and writes. */
export interface LawRefitterDeps {
  readonly laws: ResourceStore<ScalingLaw>;
  readonly budgets: ResourceStore<ComputeBudget>;
  readonly runs: RunStore;
  readonly fits: FitStore;
  readonly fitter: LawFitter;
  readonly resolveFlops: BudgetFlopsResolver;
  /** Server-sent events (the dashboard). */
  readonly bus: EventBus;
  readonly events: ControlPlaneEvents;
  readonly debounceMs: number;
  /** The root logger (the refitter and its scheduler log under their own contexts). */
  readonly log: Logger;
}

/**
 * Refits studies: a stored succeeded result (`RunsFinished`) asks the debounced `scheduler` for a refit;
 * the refit fits the study's runs with every method of its spec, stores the fit and announces
 * `LawRefitted` (the reconcile loop then updates the law and its budgets). The ScalingLaw reconciler asks
 * the same scheduler when it finds a fit missing or stale.
 */
export class LawRefitter {
  readonly scheduler: RefitScheduler;
  private readonly log: Logger;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: LawRefitterDeps) {
    this.log = deps.log.child({ context: 'LawRefitter' });
    this.scheduler = new RefitScheduler((ref) => this.refit(ref), deps.debounceMs, deps.log.child({ context: 'RefitScheduler' }));
  }

  /** Starts refitting on results. */
  start(): void {
    this.unsubscribe ??= this.deps.events.on('RunsFinished', ({ ownerKind, owner, runs }) => {
      if (ownerKind === ResourceKind.ScalingLaw && runs.some((r) => r.state === RunState.Succeeded)) this.scheduler.request(owner);
    });
  }

  /** Refits one study with every method of its spec (called by the debounced scheduler). */
  async refit(ref: ObjectRef): Promise<void> {
    const { laws, runs, fits, fitter, bus, events } = this.deps;
    const law = await laws.get(ref);
    if (!law || law.spec.preset || law.metadata.deletionTimestamp) return;
    // Approach 1 needs the loss curves (stored apart from the records); the others only final losses.
    const records = law.spec.fit.methods.includes(1)
      ? await runs.listWithCurves(ResourceKind.ScalingLaw, ref)
      : await runs.list(ResourceKind.ScalingLaw, ref);
    const previous = await fits.get(ref);
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
    await fits.put(ref, state);
    this.log.info(
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
    events.publish({ type: 'LawRefitted', ref, seconds });
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    await this.scheduler.close();
  }
}
