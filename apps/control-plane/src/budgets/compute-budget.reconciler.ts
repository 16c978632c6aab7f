import {
  ConditionReason,
  ConditionType,
  RUNS_FINALIZER,
  RunKind,
  RunPriority,
  RunState,
  setCondition,
  trainingJobId,
  type AllocationStatus,
  type ComputeBudget,
  type ComputeBudgetStatus,
  type Condition,
  type FinalRunStatus,
  type ObjectRef,
  type RunRecord,
  type ScalingLaw,
  type ScalingLawSpec,
} from '@scaleplan/contracts';
import { FLOPS_SIGNIFICANT_FIGURES, modelSpecSchema, roundSignificant } from '@scaleplan/contracts';
import type { Logger } from 'pino';
import { allocateWithIntervals, humanCount } from '../planning/allocation.js';
import { pickMethod, type Mapping, type StudyFitState } from '../planning/fit-state.js';
import { planShape, type PlannedShape } from '../planning/model-shapes.js';
import type { PresetCatalog, PresetLaw } from '../planning/presets.js';
import { budgetTooSmallReason } from '../planning/sweep-planner.js';
import { refKey, type ResourceStore } from '../resources/resource-store.js';
import type { RunQueue } from '../scheduling/run-queue.js';
import type { RunStore } from '../scheduling/run-store.js';
import { toTrainRun } from '../scheduling/train-run.js';
import { condition } from '../scaling-laws/scaling-law.status.js';

/** What the ComputeBudget reconciler observed. */
export interface ObservedComputeBudget {
  readonly budget: ComputeBudget;
  /** Resolved budget in FLOPs, or why it could not be resolved. */
  readonly flops: { ok: true; flops: number } | { ok: false; reason: string };
  /** The ScalingLaw named by spec.scalingLaw (undefined when missing or not asked for). */
  readonly law?: ScalingLaw;
  readonly lawFit?: StudyFitState;
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

/** Where the allocation comes from, once known. */
interface MappingSource {
  readonly mapping: Mapping;
  readonly samples: readonly Mapping[];
  readonly method: number;
  readonly lawName: string;
  readonly fittedAt?: string;
  readonly confidence: number;
  /** The law may still change (sweep not finished): don't train yet. */
  readonly provisional: boolean;
}

/** Final run id: one per generation, so a spec edit after training trains again. */
export const finalRunId = (generation: number): string => `final-g${generation}`;

function safeShape(params: number, model: ScalingLawSpec['model']): PlannedShape | undefined {
  try {
    return planShape(params, model);
  } catch {
    return undefined;
  }
}

function finalRunStatus(run: RunRecord, predictedLoss: number | undefined): FinalRunStatus {
  const state = run.state === RunState.Planned ? 'queued' : run.state;
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

/**
 * The pure half of the ComputeBudget reconciler. The allocation re-resolves from the law's latest fit
 * on every reconcile until the final run is created (it is frozen from then on, so the run and the
 * status agree); with `train: true` the final run starts once the law is Ready (sweep finished and fitted).
 */
export function decideComputeBudget(observed: ObservedComputeBudget): ComputeBudgetOutcome {
  const { budget, now } = observed;
  const generation = budget.metadata.generation ?? 1;
  const previous = budget.status ?? {};
  let conditions: Condition[] = previous.conditions ?? [];
  const set = (c: Condition): void => {
    conditions = setCondition(conditions, c);
  };
  const base = { observedGeneration: generation } as const;
  const degraded = (reason: (typeof ConditionReason)[keyof typeof ConditionReason], message: string, phase: 'Pending' | 'Degraded' = 'Degraded'): ComputeBudgetOutcome => {
    set(condition(ConditionType.Ready, false, reason, message, now, generation));
    set(condition(ConditionType.Degraded, phase === 'Degraded', reason, message, now, generation));
    return { addFinalizer, finalize: false, status: { ...base, phase, lawName: lawLabel, conditions, ...(previous.allocation ? { allocation: previous.allocation } : {}) } };
  };

  if (budget.metadata.deletionTimestamp) {
    set(condition(ConditionType.Ready, false, ConditionReason.Deleting, 'The budget is being deleted; its final run is being cancelled', now, generation));
    return { addFinalizer: false, finalize: true, status: { ...previous, phase: 'Deleting', conditions } };
  }
  const addFinalizer = !(budget.metadata.finalizers ?? []).includes(RUNS_FINALIZER);
  const lawLabel = budget.spec.preset ? `preset:${budget.spec.preset}` : `${budget.metadata.namespace}/${budget.spec.scalingLaw}`;

  if (!observed.flops.ok) return degraded(ConditionReason.InvalidBudget, observed.flops.reason);
  const flops = observed.flops.flops;
  const statusFlops = roundSignificant(flops, FLOPS_SIGNIFICANT_FIGURES); // the FLOPs column; runs use the exact value
  const model = observed.law?.spec.model ?? DEFAULT_MODEL;
  const tooSmall = budgetTooSmallReason(flops, model);
  if (tooSmall) return degraded(ConditionReason.BudgetTooSmall, tooSmall);

  let source: MappingSource | undefined;
  if (budget.spec.preset || observed.law?.spec.preset) {
    const preset = observed.preset;
    if (!preset) return degraded(ConditionReason.UnknownScalingLaw, `Unknown preset ${budget.spec.preset ?? observed.law?.spec.preset}`);
    source = { mapping: preset.mapping, samples: [], method: preset.method, lawName: budget.spec.preset ? lawLabel : `${lawLabel} (preset:${preset.name})`, confidence: 0.8, provisional: false };
  } else if (!observed.law) {
    return degraded(ConditionReason.UnknownScalingLaw, `ScalingLaw ${lawLabel} does not exist`, 'Pending');
  } else {
    const law = observed.law;
    const picked = pickMethod(observed.lawFit, budget.spec.method, law.spec.fit.primaryMethod);
    if (!picked) {
      const message = `Waiting for the first fit of ScalingLaw ${lawLabel} (${law.status?.runsSummary ?? '0/0'} runs finished)`;
      set(condition(ConditionType.Ready, false, ConditionReason.AwaitingFit, message, now, generation));
      set(condition(ConditionType.Degraded, false, ConditionReason.AwaitingFit, message, now, generation));
      return { addFinalizer, finalize: false, status: { ...base, phase: 'Pending', flops: statusFlops, lawName: lawLabel, conditions } };
    }
    source = {
      mapping: picked.mapping,
      samples: picked.samples,
      method: picked.summary.method,
      lawName: lawLabel,
      fittedAt: picked.summary.fittedAt,
      confidence: law.spec.fit.confidence,
      provisional: law.status?.phase !== 'Ready',
    };
  }

  const finalRun = observed.finalRun;
  let allocation: AllocationStatus;
  let shape: PlannedShape | undefined;
  if (finalRun && previous.allocation) {
    allocation = previous.allocation;
  } else {
    const resolved = allocateWithIntervals(source.mapping, source.samples, flops, source.confidence, budget.spec.uniqueTokens);
    shape = safeShape(resolved.params, model);
    allocation = {
      flops,
      params: resolved.params,
      tokens: resolved.tokens,
      // Numbers `kubectl get` prints are rounded (DISPLAY_SIGNIFICANT_FIGURES); params and tokens stay exact.
      tokensPerParam: roundSignificant(resolved.tokens / resolved.params),
      paramsDisplay: humanCount(resolved.params),
      tokensDisplay: humanCount(resolved.tokens),
      ...(resolved.paramsInterval ? { paramsInterval: resolved.paramsInterval } : {}),
      ...(resolved.tokensInterval ? { tokensInterval: resolved.tokensInterval } : {}),
      ...(resolved.loss !== undefined ? { predictedLoss: roundSignificant(resolved.loss) } : {}),
      ...(resolved.lossInterval ? { predictedLossInterval: resolved.lossInterval } : {}),
      ...(shape ? { shape: shape.shape } : {}),
      law: source.lawName,
      method: source.method,
      ...(source.fittedAt ? { fittedAt: source.fittedAt } : {}),
      ...(budget.spec.uniqueTokens ? { repetitionFactor: roundSignificant(resolved.tokens / budget.spec.uniqueTokens) } : {}),
    };
  }
  const repetitionNote =
    allocation.repetitionFactor !== undefined && allocation.repetitionFactor > 1
      ? source.mapping.form === 'loss'
        ? `; ${allocation.repetitionFactor.toFixed(1)} passes over the unique data, accounted for (Muennighoff et al. 2023)`
        : `; ${allocation.repetitionFactor.toFixed(1)} passes over the unique data, NOT accounted for: approach ${allocation.method} has no loss model (use approach 3 or a parametric preset)`
      : '';
  const allocationMessage = `N_opt=${allocation.paramsDisplay}, D_opt=${allocation.tokensDisplay} (${allocation.tokensPerParam.toFixed(1)} tokens/param) from ${allocation.law}, approach ${allocation.method}${source.provisional ? ' (provisional: the sweep is still running)' : ''}${repetitionNote}`;

  let startFinalRun: RunRecord | undefined;
  if (budget.spec.train && !finalRun && !source.provisional) {
    const planned = shape ?? safeShape(allocation.params, model);
    if (!planned) return degraded(ConditionReason.InvalidBudget, `N_opt=${allocation.paramsDisplay} is outside the sizes the workers can build`);
    startFinalRun = {
      runId: finalRunId(generation),
      owner: { namespace: budget.metadata.namespace, name: budget.metadata.name },
      ownerKind: 'ComputeBudget',
      kind: RunKind.Final,
      budgetFlops: flops,
      params: planned.params,
      tokens: Math.max(planned.minimumTokens, Math.floor(flops / planned.flopsPerToken)),
      shape: planned.shape,
      seed: budget.spec.seed,
      state: RunState.Planned,
      attempts: 0,
      simulated: observed.law?.spec.sweep?.simulate !== undefined,
      plannedAt: now,
    };
  }

  const run = finalRun ?? startFinalRun;
  const status: ComputeBudgetStatus = { ...base, flops: statusFlops, lawName: allocation.law, allocation, conditions };
  set(condition(ConditionType.Degraded, false, ConditionReason.Reconciled, 'The budget resolved', now, generation));
  if (!run) {
    set(condition(ConditionType.Ready, true, ConditionReason.AllocationResolved, allocationMessage, now, generation));
    return { addFinalizer, finalize: false, status: { ...status, phase: 'Resolved', conditions } };
  }
  const finalStatus = finalRunStatus(startFinalRun ? { ...run, state: RunState.Queued } : run, allocation.predictedLoss);
  let phase: NonNullable<ComputeBudgetStatus['phase']> = 'Training';
  switch (run.state) {
    case RunState.Succeeded: {
      phase = 'Succeeded';
      const delta = finalStatus.lossDelta;
      set(condition(ConditionType.Ready, true, ConditionReason.FinalRunSucceeded, `Final run finished with loss ${finalStatus.finalLoss?.toFixed(4)}${delta !== undefined ? ` (predicted ${allocation.predictedLoss?.toFixed(4)}, Δ ${delta >= 0 ? '+' : ''}${delta.toFixed(4)})` : ''}`, now, generation));
      break;
    }
    case RunState.Failed:
    case RunState.Diverged:
      phase = 'Degraded';
      set(condition(ConditionType.Ready, false, run.state === RunState.Failed ? ConditionReason.FinalRunFailed : ConditionReason.FinalRunDiverged, `Final run ${run.state}: ${run.error ?? 'no reason given'}`, now, generation));
      set(condition(ConditionType.Degraded, true, run.state === RunState.Failed ? ConditionReason.FinalRunFailed : ConditionReason.FinalRunDiverged, `Final run ${run.state}`, now, generation));
      break;
    case RunState.Running:
      set(condition(ConditionType.Ready, true, ConditionReason.FinalRunRunning, `${allocationMessage}; final run ${(finalStatus.progress * 100).toFixed(0)}% done`, now, generation));
      break;
    default:
      set(condition(ConditionType.Ready, true, ConditionReason.FinalRunQueued, `${allocationMessage}; final run queued`, now, generation));
  }
  return { addFinalizer, finalize: false, startFinalRun, status: { ...status, phase, finalRun: finalStatus, conditions } };
}

/** Services the act half needs. */
export interface ComputeBudgetReconcilerDeps {
  readonly budgets: ResourceStore<ComputeBudget>;
  readonly laws: ResourceStore<ScalingLaw>;
  readonly runs: RunStore;
  readonly queue: RunQueue;
  readonly fits: { get(ref: ObjectRef): Promise<StudyFitState | undefined> };
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
    const finalRuns = await runs.list('ComputeBudget', ref);
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
      await queue.cancel(live.map((r) => trainingJobId(r.owner, r.runId)), `ComputeBudget ${refKey(ref)} was deleted`);
      if (!this.deps.retainResults) await runs.deleteOwner('ComputeBudget', ref);
      else runs.forget('ComputeBudget', ref);
      log.info({ computeBudget: refKey(ref) }, 'Cancelled ComputeBudget final run');
      await budgets.removeFinalizer(ref, RUNS_FINALIZER);
      return;
    }
    if (outcome.addFinalizer) await budgets.addFinalizer(ref, RUNS_FINALIZER);
    if (outcome.startFinalRun) {
      const run = outcome.startFinalRun;
      await queue.enqueue([{ data: toTrainRun(run, law?.spec.model ?? modelSpecSchema.parse({}), law?.spec.sweep?.simulate), priority: RunPriority.Final }]);
      await runs.putMany('ComputeBudget', ref, [{ ...run, state: RunState.Queued, queuedAt: observed.now }]);
      log.info({ computeBudget: refKey(ref), runId: run.runId, params: run.params, tokens: run.tokens }, 'Queued ComputeBudget final run');
    }
    if (budget.status?.phase !== outcome.status.phase) {
      log.info({ computeBudget: refKey(ref), generation, phase: outcome.status.phase }, 'Updated ComputeBudget phase');
    }
    await budgets.patchStatus(ref, outcome.status);
  }
}
