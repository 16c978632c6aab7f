import {
  ComputeBudgetPhase,
  ConditionReason,
  ConditionType,
  ResourceKind,
  RUNS_FINALIZER,
  RunKind,
  RunPriority,
  RunState,
  withConditions,
  trainingJobId,
  type AllocationStatus,
  type ComputeBudget,
  type ComputeBudgetStatus,
  type Condition,
  type FinalRunStatus,
  type ObjectRef,
  type RunRecord,
  type ScalingLaw,
} from '@scaleplan/contracts';
import { FLOPS_SIGNIFICANT_FIGURES, modelSpecSchema, roundSignificant } from '@scaleplan/contracts';
import type { Logger } from 'pino';
import { humanCount } from '../planning/allocation.js';
import type { ScalingLawFitState } from '../planning/fit-state.js';
import type { PlannedShape } from '../planning/model-shapes.js';
import type { PresetCatalog, PresetLaw } from '../planning/presets.js';
import { budgetTooSmallReason } from '../planning/sweep-planner.js';
import { refKey, type ResourceStore } from '../resources/resource-store.js';
import type { RunQueue } from '../scheduling/run-queue.js';
import type { RunStore } from '../scheduling/run-store.js';
import { toTrainRun } from '../scheduling/train-run.js';
import { condition } from '../scaling-laws/scaling-law.status.js';
import { describeAllocation, findAllocationSource, resolveAllocation, safeShape } from './budget-allocation.js';

/** What the ComputeBudget reconciler observed. */
export interface ObservedComputeBudget {
  readonly budget: ComputeBudget;
  /** Resolved budget in FLOPs, or why it could not be resolved. */
  readonly flops: { ok: true; flops: number } | { ok: false; reason: string };
  /** The ScalingLaw named by spec.scalingLaw (undefined when missing or not asked for). */
  readonly law?: ScalingLaw;
  readonly lawFit?: ScalingLawFitState;
  /** The preset named by spec.preset or by the law's spec.preset. */
  readonly preset?: PresetLaw;
  readonly finalRun?: RunRecord;
  readonly now: string;
}

export interface ComputeBudgetOutcome {
  readonly addFinalizer: boolean;
  readonly finalize: boolean;
  /** A final run to create and enqueue at priority 1. */
  readonly startFinalRun?: RunRecord;
  readonly status: ComputeBudgetStatus;
}

const DEFAULT_MODEL = modelSpecSchema.parse({});

/** Final run id: one per generation, so a spec edit after training trains again. */
export const finalRunId = (generation: number): string => `final-g${generation}`;

function finalRunStatus(run: RunRecord, predictedLoss: number | undefined): FinalRunStatus {
  const state = run.state === RunState.Planned ? RunState.Queued : run.state;
  const latestLoss = run.progress?.point?.evalLoss ?? run.progress?.point?.trainLoss;
  const finalLoss = run.outcome?.finalLoss;
  const tokensDone = run.outcome?.tokens ?? run.progress?.tokens ?? 0;
  return {
    runId: run.runId,
    state,
    progress: Math.min(1, run.state === RunState.Succeeded ? 1 : tokensDone / run.tokens),
    tokens: tokensDone,
    ...(latestLoss !== undefined ? { latestLoss } : {}),
    ...(finalLoss !== undefined ? { finalLoss } : {}),
    ...(predictedLoss !== undefined ? { predictedLoss } : {}),
    ...(finalLoss !== undefined && predictedLoss !== undefined ? { lossDelta: finalLoss - predictedLoss } : {}),
    simulated: run.simulated,
    ...(run.error ? { message: run.error } : {}),
  };
}

type ConditionTypeValue = (typeof ConditionType)[keyof typeof ConditionType];
type ConditionReasonValue = (typeof ConditionReason)[keyof typeof ConditionReason];
type SourceLookup = ReturnType<typeof findAllocationSource>;
type AllocationSource = Extract<SourceLookup, { readonly ok: true }>['source'];
type LawTrust = AllocationSource['trust'];

/** What every step of one reconcile shares: the stamp of its conditions, the status it starts from, the finalizer, the law's label. */
interface BudgetContext {
  readonly now: string;
  readonly generation: number;
  readonly previous: ComputeBudgetStatus;
  readonly addFinalizer: boolean;
  /** preset:<name> or <namespace>/<law>, for messages and status */
  readonly lawLabel: string;
}

/** The allocation this reconcile shows (re-resolved, or frozen with the final run), or why it could not resolve. */
type BudgetAllocation =
  | { readonly ok: true; readonly allocation: AllocationStatus; readonly shape?: PlannedShape; readonly trust: LawTrust }
  | { readonly ok: false; readonly message: string };

/** A resolved allocation as the status shows it. */
interface Resolved {
  /** the FLOPs column (rounded); runs use the exact value */
  readonly flops: number;
  readonly allocation: AllocationStatus;
  /** describeAllocation's sentence, for the Ready condition */
  readonly message: string;
}

/**
 * The pure half of the ComputeBudget reconciler. The allocation re-resolves from the law's latest fit
 * on every reconcile until the final run is created (it is frozen from then on, so the run and the
 * status agree). While the law is not Ready (still measuring, or stopped without passing its trust
 * verdict) the allocation is shown with `provisional: true` and the budget is not Ready; with
 * `train: true` the final run starts only on a trusted law or a preset. A law that is gone clears the allocation.
 */
export function decideComputeBudget(observed: ObservedComputeBudget): ComputeBudgetOutcome {
  const ctx = budgetContext(observed);
  if (observed.budget.metadata.deletionTimestamp) return deletingBudget(ctx);
  if (!observed.flops.ok) return degradedBudget(ctx, ConditionReason.InvalidBudget, observed.flops.reason);
  const flops = observed.flops.flops;
  const statusFlops = roundSignificant(flops, FLOPS_SIGNIFICANT_FIGURES); // the FLOPs column; runs use the exact value
  const model = observed.law?.spec.model ?? DEFAULT_MODEL;
  const tooSmall = budgetTooSmallReason(flops, model);
  if (tooSmall) return degradedBudget(ctx, ConditionReason.BudgetTooSmall, tooSmall);

  const lookup = lookupSource(observed, ctx.lawLabel);
  if (!lookup.ok) return sourceUnavailable(ctx, lookup, statusFlops);
  const allocated = budgetAllocation(observed, lookup.source, flops, model);
  if (!allocated.ok) return degradedBudget(ctx, ConditionReason.InvalidBudget, allocated.message, { clearAllocation: true });
  const { allocation, trust } = allocated;
  const resolved: Resolved = { flops: statusFlops, allocation, message: describeAllocation(allocation) };
  if (!observed.finalRun && !trust.trusted) return provisionalBudget(ctx, resolved, trust);

  const toStart = finalRunToStart(observed, allocated, flops, model);
  if (!toStart.ok) return degradedBudget(ctx, ConditionReason.InvalidBudget, toStart.message);
  return finalRunOutcome(ctx, resolved, observed.finalRun, toStart.run);
}

/** Reads the generation, the previous status, the finalizer and the law's label once for every step. */
function budgetContext(observed: ObservedComputeBudget): BudgetContext {
  const { budget, now } = observed;
  return {
    now,
    generation: budget.metadata.generation ?? 1,
    previous: budget.status ?? {},
    addFinalizer: !(budget.metadata.finalizers ?? []).includes(RUNS_FINALIZER),
    lawLabel: budget.spec.preset ? `preset:${budget.spec.preset}` : `${budget.metadata.namespace}/${budget.spec.scalingLaw}`,
  };
}

/** `condition` stamped with this reconcile's clock and generation, so the steps below stay short. */
function stamped(ctx: BudgetContext, type: ConditionTypeValue, status: boolean, reason: ConditionReasonValue, message: string): Condition {
  return condition(type, status, reason, message, ctx.now, ctx.generation);
}

/** Being deleted: Ready=False, phase Deleting, and the act half cancels the final run and removes the finalizer. */
function deletingBudget(ctx: BudgetContext): ComputeBudgetOutcome {
  const message = 'The budget is being deleted; its final run is being cancelled';
  const conditions = withConditions(ctx.previous, [stamped(ctx, ConditionType.Ready, false, ConditionReason.Deleting, message)]);
  return { addFinalizer: false, finalize: true, status: { ...ctx.previous, phase: ComputeBudgetPhase.Deleting, conditions } };
}

/**
 * Not Ready, saying why: Degraded (the default) or Pending while the answer may still come. The previous allocation
 * stays shown unless `clearAllocation`; `flops` fills the FLOPs column when the budget itself resolved.
 */
function degradedBudget(
  ctx: BudgetContext,
  reason: ConditionReasonValue,
  message: string,
  options: {
    phase?: typeof ComputeBudgetPhase.Pending | typeof ComputeBudgetPhase.Degraded;
    clearAllocation?: boolean;
    flops?: number;
  } = {},
): ComputeBudgetOutcome {
  const phase = options.phase ?? ComputeBudgetPhase.Degraded;
  const conditions = withConditions(ctx.previous, [
    stamped(ctx, ConditionType.Ready, false, reason, message),
    stamped(ctx, ConditionType.Degraded, phase === ComputeBudgetPhase.Degraded, reason, message),
  ]);
  const allocation = options.clearAllocation ? undefined : ctx.previous.allocation;
  return {
    addFinalizer: ctx.addFinalizer,
    finalize: false,
    status: {
      observedGeneration: ctx.generation,
      phase,
      lawName: ctx.lawLabel,
      ...(options.flops !== undefined ? { flops: options.flops } : {}),
      conditions,
      ...(allocation ? { allocation } : {}),
    },
  };
}

/** Where the mapping comes from: the preset (spec.preset, or the law's spec.preset), else the law's fit of spec.method. */
function lookupSource(observed: ObservedComputeBudget, lawLabel: string): SourceLookup {
  const presetName = observed.budget.spec.preset ?? observed.law?.spec.preset;
  return findAllocationSource({
    lawLabel,
    ...(presetName ? { presetName } : {}),
    ...(observed.preset ? { preset: observed.preset } : {}),
    ...(observed.law ? { law: observed.law } : {}),
    ...(observed.lawFit ? { lawFit: observed.lawFit } : {}),
    ...(observed.budget.spec.method !== undefined ? { method: observed.budget.spec.method } : {}),
  });
}

/**
 * No mapping to allocate from: Pending while one may come (the law's first fit, a law not created yet), else Degraded.
 * While awaiting the first fit the FLOPs column is shown already.
 */
function sourceUnavailable(
  ctx: BudgetContext,
  lookup: Extract<SourceLookup, { readonly ok: false }>,
  statusFlops: number,
): ComputeBudgetOutcome {
  return degradedBudget(ctx, lookup.reason, lookup.message, {
    phase: lookup.awaiting ? ComputeBudgetPhase.Pending : ComputeBudgetPhase.Degraded,
    clearAllocation: lookup.clearAllocation,
    ...(lookup.reason === ConditionReason.AwaitingFit ? { flops: statusFlops } : {}),
  });
}

/**
 * Once the final run exists the allocation is frozen (the run and the status agree, and the source's trust stands);
 * until then it re-resolves from the source on every reconcile, with the budget's unique-token and inference demand.
 */
function budgetAllocation(
  observed: ObservedComputeBudget,
  source: AllocationSource,
  flops: number,
  model: ScalingLaw['spec']['model'],
): BudgetAllocation {
  const { budget } = observed;
  const frozen = budget.status?.allocation;
  if (observed.finalRun && frozen) return { ok: true, allocation: frozen, trust: source.trust };
  const demand = {
    ...(budget.spec.uniqueTokens !== undefined ? { uniqueTokens: budget.spec.uniqueTokens } : {}),
    ...(budget.spec.inference ? { inferenceTokens: budget.spec.inference.tokens } : {}),
  };
  return resolveAllocation(source, flops, demand, model);
}

/** The status of a resolved budget; the steps after add the phase (and the final run). */
function resolvedStatus(ctx: BudgetContext, resolved: Resolved, conditions: Condition[]): ComputeBudgetStatus {
  const { allocation } = resolved;
  return { observedGeneration: ctx.generation, flops: resolved.flops, lawName: allocation.law, allocation, conditions };
}

/**
 * Shown, not trusted: Ready=False until the law passes its verdict; Degraded once the law stopped without passing it,
 * or passed it with an interval too wide at this budget.
 */
function provisionalBudget(ctx: BudgetContext, resolved: Resolved, trust: Extract<LawTrust, { trusted: false }>): ComputeBudgetOutcome {
  const stopped = trust.reason !== ConditionReason.LawMeasuring;
  const conditions = withConditions(ctx.previous, [
    stamped(ctx, ConditionType.Ready, false, trust.reason, `${resolved.message}; provisional: ${trust.message}`),
    stamped(
      ctx,
      ConditionType.Degraded,
      stopped,
      stopped ? trust.reason : ConditionReason.Reconciled,
      stopped ? trust.message : 'The budget resolved provisionally',
    ),
  ]);
  return {
    addFinalizer: ctx.addFinalizer,
    finalize: false,
    status: { ...resolvedStatus(ctx, resolved, conditions), phase: stopped ? ComputeBudgetPhase.Degraded : ComputeBudgetPhase.Pending },
  };
}

/**
 * With `train: true` and no final run yet, the run to create (undefined otherwise): N_opt's shape, else the nearest
 * one the workers can build; refused when there is none.
 */
function finalRunToStart(
  observed: ObservedComputeBudget,
  allocated: Extract<BudgetAllocation, { ok: true }>,
  flops: number,
  model: ScalingLaw['spec']['model'],
): { readonly ok: true; readonly run: RunRecord | undefined } | { readonly ok: false; readonly message: string } {
  const { budget } = observed;
  if (!budget.spec.train || observed.finalRun) return { ok: true, run: undefined };
  const { allocation } = allocated;
  const planned = allocated.shape ?? safeShape(allocation.params, model);
  if (!planned) return { ok: false, message: `N_opt=${humanCount(allocation.params)} is outside the sizes the workers can build` };
  return {
    ok: true,
    run: {
      runId: finalRunId(budget.metadata.generation ?? 1),
      owner: { namespace: budget.metadata.namespace, name: budget.metadata.name },
      ownerKind: ResourceKind.ComputeBudget,
      kind: RunKind.Final,
      budgetFlops: flops,
      params: planned.params,
      paramsTotal: planned.paramsTotal,
      // N_opt is total parameters and the shape is the one nearest to it: D = C / (6·N_total), at least one batch.
      tokens: Math.max(planned.minimumTokens, Math.floor(flops / planned.flopsPerToken)),
      shape: planned.shape,
      seed: budget.spec.seed,
      state: RunState.Planned,
      attempts: 0,
      simulated: observed.law?.spec.sweep?.simulate !== undefined,
      plannedAt: observed.now,
    },
  };
}

/**
 * A trusted (or frozen) allocation: Resolved when there is no final run, else the final run's phase and progress. A
 * run created now is shown queued, as the act half enqueues it before writing the status.
 */
function finalRunOutcome(
  ctx: BudgetContext,
  resolved: Resolved,
  finalRun: RunRecord | undefined,
  startFinalRun: RunRecord | undefined,
): ComputeBudgetOutcome {
  const run = finalRun ?? startFinalRun;
  const reconciled = stamped(ctx, ConditionType.Degraded, false, ConditionReason.Reconciled, 'The budget resolved');
  if (!run) {
    const ready = stamped(ctx, ConditionType.Ready, true, ConditionReason.AllocationResolved, resolved.message);
    const conditions = withConditions(ctx.previous, [reconciled, ready]);
    return {
      addFinalizer: ctx.addFinalizer,
      finalize: false,
      status: { ...resolvedStatus(ctx, resolved, conditions), phase: ComputeBudgetPhase.Resolved },
    };
  }
  const finalStatus = finalRunStatus(startFinalRun ? { ...run, state: RunState.Queued } : run, resolved.allocation.predictedLoss);
  const progress = finalRunConditions(ctx, run, finalStatus, resolved);
  const conditions = withConditions(ctx.previous, [reconciled, ...progress.conditions]);
  return {
    addFinalizer: ctx.addFinalizer,
    finalize: false,
    startFinalRun,
    status: { ...resolvedStatus(ctx, resolved, conditions), phase: progress.phase, finalRun: finalStatus },
  };
}

/** The phase and the Ready (and, when it failed, Degraded) conditions for the final run's state. */
function finalRunConditions(
  ctx: BudgetContext,
  run: RunRecord,
  finalStatus: FinalRunStatus,
  resolved: Resolved,
): { readonly phase: ComputeBudgetPhase; readonly conditions: readonly Condition[] } {
  switch (run.state) {
    case RunState.Succeeded: {
      const message = finalRunSucceededMessage(finalStatus, resolved.allocation.predictedLoss);
      const ready = stamped(ctx, ConditionType.Ready, true, ConditionReason.FinalRunSucceeded, message);
      return { phase: ComputeBudgetPhase.Succeeded, conditions: [ready] };
    }
    case RunState.Failed:
    case RunState.Diverged: {
      const reason = run.state === RunState.Failed ? ConditionReason.FinalRunFailed : ConditionReason.FinalRunDiverged;
      return {
        phase: ComputeBudgetPhase.Degraded,
        conditions: [
          stamped(ctx, ConditionType.Ready, false, reason, `Final run ${run.state}: ${run.error ?? 'no reason given'}`),
          stamped(ctx, ConditionType.Degraded, true, reason, `Final run ${run.state}`),
        ],
      };
    }
    case RunState.Running: {
      const message = `${resolved.message}; final run ${(finalStatus.progress * 100).toFixed(0)}% done`;
      return {
        phase: ComputeBudgetPhase.Training,
        conditions: [stamped(ctx, ConditionType.Ready, true, ConditionReason.FinalRunRunning, message)],
      };
    }
    default: {
      const message = `${resolved.message}; final run queued`;
      return {
        phase: ComputeBudgetPhase.Training,
        conditions: [stamped(ctx, ConditionType.Ready, true, ConditionReason.FinalRunQueued, message)],
      };
    }
  }
}

/** The final loss and, when the allocation predicted one, the prediction and the difference. */
function finalRunSucceededMessage(finalStatus: FinalRunStatus, predictedLoss: number | undefined): string {
  const delta = finalStatus.lossDelta;
  const compared = delta !== undefined ? ` (predicted ${predictedLoss?.toFixed(4)}, Δ ${delta >= 0 ? '+' : ''}${delta.toFixed(4)})` : '';
  return `Final run finished with loss ${finalStatus.finalLoss?.toFixed(4)}${compared}`;
}

/** Services the act half needs. */
export interface ComputeBudgetReconcilerDeps {
  readonly budgets: ResourceStore<ComputeBudget>;
  readonly laws: ResourceStore<ScalingLaw>;
  readonly runs: RunStore;
  readonly queue: RunQueue;
  readonly fits: { get(ref: ObjectRef): Promise<ScalingLawFitState | undefined> };
  readonly presets: PresetCatalog;
  /** Resolves spec.flops / spec.acceleratorHours to FLOPs. */
  readonly resolveFlops: (spec: ComputeBudget['spec']) => { ok: true; flops: number } | { ok: false; reason: string };
  readonly retainResults: boolean;
  readonly log: Logger;
  readonly now?: () => string;
}

/** The thin, side-effecting half of the ComputeBudget reconciler. */
export class ComputeBudgetReconciler {
  constructor(private readonly deps: ComputeBudgetReconcilerDeps) {}

  async reconcile(ref: ObjectRef): Promise<void> {
    const { budgets, laws, runs, queue, fits, presets, log } = this.deps;
    const budget = await budgets.get(ref);
    if (!budget) return;
    const law = budget.spec.scalingLaw ? await laws.get({ namespace: ref.namespace, name: budget.spec.scalingLaw }) : undefined;
    const presetName = budget.spec.preset ?? law?.spec.preset;
    const finalRuns = await runs.list(ResourceKind.ComputeBudget, ref);
    const generation = budget.metadata.generation ?? 1;
    const observed: ObservedComputeBudget = {
      budget,
      flops: this.deps.resolveFlops(budget.spec),
      law: law && !law.metadata.deletionTimestamp ? law : undefined,
      lawFit: law && !law.spec.preset ? await fits.get({ namespace: ref.namespace, name: law.metadata.name }) : undefined,
      preset: presetName ? presets.get(presetName) : undefined,
      finalRun: finalRuns.find((r) => r.runId === finalRunId(generation)),
      now: (this.deps.now ?? (() => new Date().toISOString()))(),
    };
    const outcome = decideComputeBudget(observed);
    if (outcome.finalize) {
      const live = finalRuns.filter((r) => r.state === RunState.Planned || r.state === RunState.Queued || r.state === RunState.Running);
      await queue.cancel(
        live.map((r) => trainingJobId(r.owner, r.runId)),
        `ComputeBudget ${refKey(ref)} was deleted`,
      );
      await queue.removeKept(finalRuns.map((r) => trainingJobId(r.owner, r.runId)));
      if (!this.deps.retainResults) await runs.deleteOwner(ResourceKind.ComputeBudget, ref);
      else runs.forget(ResourceKind.ComputeBudget, ref);
      log.info({ computeBudget: refKey(ref) }, 'Cancelled ComputeBudget final run');
      await budgets.removeFinalizer(ref, RUNS_FINALIZER);
      return;
    }
    if (outcome.addFinalizer) await budgets.addFinalizer(ref, RUNS_FINALIZER);
    if (outcome.startFinalRun) {
      const run = outcome.startFinalRun;
      await queue.enqueue([
        { data: toTrainRun(run, law?.spec.model ?? modelSpecSchema.parse({}), law?.spec.sweep?.simulate), priority: RunPriority.Final },
      ]);
      await runs.putMany(ResourceKind.ComputeBudget, ref, [{ ...run, state: RunState.Queued, queuedAt: observed.now }]);
      log.info({ computeBudget: refKey(ref), runId: run.runId, params: run.params, tokens: run.tokens }, 'Queued ComputeBudget final run');
    }
    if (budget.status?.phase !== outcome.status.phase) {
      log.info({ computeBudget: refKey(ref), generation, phase: outcome.status.phase }, 'Updated ComputeBudget phase');
    }
    await budgets.patchStatus(ref, outcome.status);
  }
}
