import {
  ComputeBudgetPhase,
  ConditionReason,
  ConditionType,
  ResourceKind,
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

/**
 * The pure half of the ComputeBudget reconciler. The allocation re-resolves from the law's latest fit
 * on every reconcile until the final run is created (it is frozen from then on, so the run and the
 * status agree). While the law is not Ready (still measuring, or stopped without passing its trust
 * verdict) the allocation is shown with `provisional: true` and the budget is not Ready; with
 * `train: true` the final run starts only on a trusted law or a preset. A law that is gone clears the allocation.
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
  const degraded = (
    reason: (typeof ConditionReason)[keyof typeof ConditionReason],
    message: string,
    options: {
      phase?: typeof ComputeBudgetPhase.Pending | typeof ComputeBudgetPhase.Degraded;
      clearAllocation?: boolean;
      flops?: number;
    } = {},
  ): ComputeBudgetOutcome => {
    const phase = options.phase ?? ComputeBudgetPhase.Degraded;
    set(condition(ConditionType.Ready, false, reason, message, now, generation));
    set(condition(ConditionType.Degraded, phase === ComputeBudgetPhase.Degraded, reason, message, now, generation));
    const allocation = options.clearAllocation ? undefined : previous.allocation;
    return {
      addFinalizer,
      finalize: false,
      status: {
        ...base,
        phase,
        lawName: lawLabel,
        ...(options.flops !== undefined ? { flops: options.flops } : {}),
        conditions,
        ...(allocation ? { allocation } : {}),
      },
    };
  };

  if (budget.metadata.deletionTimestamp) {
    set(
      condition(
        ConditionType.Ready,
        false,
        ConditionReason.Deleting,
        'The budget is being deleted; its final run is being cancelled',
        now,
        generation,
      ),
    );
    return { addFinalizer: false, finalize: true, status: { ...previous, phase: ComputeBudgetPhase.Deleting, conditions } };
  }
  const addFinalizer = !(budget.metadata.finalizers ?? []).includes(RUNS_FINALIZER);
  const lawLabel = budget.spec.preset ? `preset:${budget.spec.preset}` : `${budget.metadata.namespace}/${budget.spec.scalingLaw}`;

  if (!observed.flops.ok) return degraded(ConditionReason.InvalidBudget, observed.flops.reason);
  const flops = observed.flops.flops;
  const statusFlops = roundSignificant(flops, FLOPS_SIGNIFICANT_FIGURES); // the FLOPs column; runs use the exact value
  const model = observed.law?.spec.model ?? DEFAULT_MODEL;
  const tooSmall = budgetTooSmallReason(flops, model);
  if (tooSmall) return degraded(ConditionReason.BudgetTooSmall, tooSmall);

  const presetName = budget.spec.preset ?? observed.law?.spec.preset;
  const lookup = findAllocationSource({
    lawLabel,
    ...(presetName ? { presetName } : {}),
    ...(observed.preset ? { preset: observed.preset } : {}),
    ...(observed.law ? { law: observed.law } : {}),
    ...(observed.lawFit ? { lawFit: observed.lawFit } : {}),
    ...(budget.spec.method !== undefined ? { method: budget.spec.method } : {}),
  });
  if (!lookup.ok) {
    return degraded(lookup.reason, lookup.message, {
      phase: lookup.awaiting ? ComputeBudgetPhase.Pending : ComputeBudgetPhase.Degraded,
      clearAllocation: lookup.clearAllocation,
      ...(lookup.reason === ConditionReason.AwaitingFit ? { flops: statusFlops } : {}),
    });
  }
  const source = lookup.source;

  const finalRun = observed.finalRun;
  let allocation: AllocationStatus;
  let shape: PlannedShape | undefined;
  let trust = source.trust;
  if (finalRun && previous.allocation) {
    allocation = previous.allocation;
  } else {
    const demand = {
      ...(budget.spec.uniqueTokens !== undefined ? { uniqueTokens: budget.spec.uniqueTokens } : {}),
      ...(budget.spec.inference ? { inferenceTokens: budget.spec.inference.tokens } : {}),
    };
    const resolved = resolveAllocation(source, flops, demand, model);
    if (!resolved.ok) return degraded(ConditionReason.InvalidBudget, resolved.message, { clearAllocation: true });
    allocation = resolved.allocation;
    shape = resolved.shape;
    trust = resolved.trust;
  }
  const allocationMessage = describeAllocation(allocation);
  const status: ComputeBudgetStatus = { ...base, flops: statusFlops, lawName: allocation.law, allocation, conditions };

  if (!finalRun && !trust.trusted) {
    // Shown, not trusted: Ready=False until the law passes its verdict; Degraded once the law stopped without
    // passing it, or passed it with an interval too wide at this budget.
    const stopped = trust.reason !== ConditionReason.LawMeasuring;
    const message = `${allocationMessage}; provisional: ${trust.message}`;
    set(condition(ConditionType.Ready, false, trust.reason, message, now, generation));
    set(
      condition(
        ConditionType.Degraded,
        stopped,
        stopped ? trust.reason : ConditionReason.Reconciled,
        stopped ? trust.message : 'The budget resolved provisionally',
        now,
        generation,
      ),
    );
    return {
      addFinalizer,
      finalize: false,
      status: { ...status, phase: stopped ? ComputeBudgetPhase.Degraded : ComputeBudgetPhase.Pending, conditions },
    };
  }

  let startFinalRun: RunRecord | undefined;
  if (budget.spec.train && !finalRun) {
    const planned = shape ?? safeShape(allocation.params, model);
    if (!planned)
      return degraded(ConditionReason.InvalidBudget, `N_opt=${humanCount(allocation.params)} is outside the sizes the workers can build`);
    startFinalRun = {
      runId: finalRunId(generation),
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
      plannedAt: now,
    };
  }

  const run = finalRun ?? startFinalRun;
  set(condition(ConditionType.Degraded, false, ConditionReason.Reconciled, 'The budget resolved', now, generation));
  if (!run) {
    set(condition(ConditionType.Ready, true, ConditionReason.AllocationResolved, allocationMessage, now, generation));
    return { addFinalizer, finalize: false, status: { ...status, phase: ComputeBudgetPhase.Resolved, conditions } };
  }
  const finalStatus = finalRunStatus(startFinalRun ? { ...run, state: RunState.Queued } : run, allocation.predictedLoss);
  let phase: ComputeBudgetPhase = ComputeBudgetPhase.Training;
  switch (run.state) {
    case RunState.Succeeded: {
      phase = ComputeBudgetPhase.Succeeded;
      const delta = finalStatus.lossDelta;
      set(
        condition(
          ConditionType.Ready,
          true,
          ConditionReason.FinalRunSucceeded,
          `Final run finished with loss ${finalStatus.finalLoss?.toFixed(4)}${delta !== undefined ? ` (predicted ${allocation.predictedLoss?.toFixed(4)}, Δ ${delta >= 0 ? '+' : ''}${delta.toFixed(4)})` : ''}`,
          now,
          generation,
        ),
      );
      break;
    }
    case RunState.Failed:
    case RunState.Diverged:
      phase = ComputeBudgetPhase.Degraded;
      set(
        condition(
          ConditionType.Ready,
          false,
          run.state === RunState.Failed ? ConditionReason.FinalRunFailed : ConditionReason.FinalRunDiverged,
          `Final run ${run.state}: ${run.error ?? 'no reason given'}`,
          now,
          generation,
        ),
      );
      set(
        condition(
          ConditionType.Degraded,
          true,
          run.state === RunState.Failed ? ConditionReason.FinalRunFailed : ConditionReason.FinalRunDiverged,
          `Final run ${run.state}`,
          now,
          generation,
        ),
      );
      break;
    case RunState.Running:
      set(
        condition(
          ConditionType.Ready,
          true,
          ConditionReason.FinalRunRunning,
          `${allocationMessage}; final run ${(finalStatus.progress * 100).toFixed(0)}% done`,
          now,
          generation,
        ),
      );
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
