import {
  ConditionReason,
  ConditionType,
  RUNS_FINALIZER,
  RunState,
  setCondition,
  trainingJobId,
  type Condition,
  type FitSummary,
  type ObjectRef,
  type RunCounts,
  type RunRecord,
  type ScalingLaw,
  type ScalingLawStatus,
} from '@scaleplan/contracts';
import type { Logger } from 'pino';
import { allocate } from '../planning/allocation.js';
import type { StudyFitState } from '../planning/fit-state.js';
import { pickMethod } from '../planning/fit-state.js';
import type { RefitScheduler } from '../planning/refit-scheduler.js';
import { planAdaptiveRuns, planIsoFlopSweep, type SweepPlanInput } from '../planning/sweep-planner.js';
import type { PresetCatalog } from '../planning/presets.js';
import { refKey, type ResourceStore } from '../resources/resource-store.js';
import type { RunQueue } from '../scheduling/run-queue.js';
import type { RunStore } from '../scheduling/run-store.js';
import { toTrainRun } from '../scheduling/train-run.js';
import { condition, displayedFit, EXCLUDED_RUNS_LIMIT, FIT_HISTORY_LIMIT } from './scaling-law.status.js';

/** What the ScalingLaw reconciler observed. */
export interface ObservedScalingLaw {
  readonly law: ScalingLaw;
  readonly runs: readonly RunRecord[];
  readonly fit: StudyFitState | undefined;
  /** The preset's fit summary for `spec.preset` laws (undefined when unknown). */
  readonly presetFit?: FitSummary;
  /** N_opt(C) prior used to centre new sweeps when the study has no fit yet. */
  readonly prior: (flops: number) => number;
  readonly now: string;
}

/** What to do about it; `status` is always the complete new status. */
export interface ScalingLawOutcome {
  readonly addFinalizer: boolean;
  /** Being deleted: cancel runs, drop results, remove the finalizer. */
  readonly finalize: boolean;
  readonly addRuns: readonly RunRecord[];
  readonly dropRunIds: readonly string[];
  /** Planned runs to put on the queue now (within the concurrency cap). */
  readonly enqueue: readonly RunRecord[];
  readonly requestRefit: boolean;
  readonly status: ScalingLawStatus;
}

/** Counts runs by state. */
export function countRuns(runs: readonly RunRecord[]): RunCounts {
  const counts: RunCounts = { planned: 0, queued: 0, running: 0, succeeded: 0, failed: 0, diverged: 0 };
  for (const run of runs) counts[run.state] += 1;
  return counts;
}

const NO_OP = { addFinalizer: false, finalize: false, addRuns: [], dropRunIds: [], enqueue: [], requestRefit: false } as const;

/**
 * The pure half of the ScalingLaw reconciler: observed state → outcome (level-based, idempotent).
 * Sweep runs are planned once per generation (deterministic ids, so a re-plan of the same points is a
 * no-op); planned runs are enqueued up to `maxConcurrentRuns` in flight; past the failure budget the
 * study is Degraded and nothing new is enqueued (queued runs are kept).
 */
export function decideScalingLaw(observed: ObservedScalingLaw): ScalingLawOutcome {
  const { law, now } = observed;
  const generation = law.metadata.generation ?? 1;
  const previous = law.status ?? {};
  let conditions: Condition[] = previous.conditions ?? [];
  const set = (c: Condition): void => {
    conditions = setCondition(conditions, c);
  };

  if (law.metadata.deletionTimestamp) {
    set(condition(ConditionType.Ready, false, ConditionReason.Deleting, 'The study is being deleted; its runs are being cancelled', now, generation));
    return { ...NO_OP, finalize: true, status: { ...previous, phase: 'Deleting', conditions } };
  }
  const addFinalizer = !(law.metadata.finalizers ?? []).includes(RUNS_FINALIZER);

  if (law.spec.preset) {
    const fit = observed.presetFit;
    if (!fit) {
      set(condition(ConditionType.Ready, false, ConditionReason.InvalidSweep, `Unknown preset ${law.spec.preset}`, now, generation));
      return { ...NO_OP, addFinalizer, status: { phase: 'Degraded', observedGeneration: generation, conditions } };
    }
    set(condition(ConditionType.Ready, true, ConditionReason.PresetLoaded, `Loaded the published law ${law.spec.preset}`, now, generation));
    return { ...NO_OP, addFinalizer, status: { phase: 'Ready', observedGeneration: generation, fits: [fit], primaryFit: displayedFit(fit), conditions } };
  }

  const sweep = law.spec.sweep;
  if (!sweep) {
    set(condition(ConditionType.Ready, false, ConditionReason.InvalidSweep, 'spec.sweep is missing', now, generation));
    return { ...NO_OP, addFinalizer, status: { phase: 'Degraded', observedGeneration: generation, conditions } };
  }

  const primary = law.spec.fit.primaryMethod;
  const current = pickMethod(observed.fit, primary, primary);
  const planInput: SweepPlanInput = {
    owner: { namespace: law.metadata.namespace, name: law.metadata.name },
    sweep,
    model: law.spec.model,
    centerParams: (flops) =>
      current
        ? allocate(current.mapping, flops).params
        : sweep.priorTokensPerParam
          ? Math.sqrt(flops / (6 * sweep.priorTokensPerParam))
          : observed.prior(flops),
    now,
  };

  let runs = [...observed.runs];
  const addRuns: RunRecord[] = [];
  const dropRunIds: string[] = [];
  const planned = previous.plannedGeneration === generation;
  // The plan is made once per generation; later reconciles keep its notes from the Planned condition.
  const plan = planned ? { runs: [], refused: [], warnings: [] } : planIsoFlopSweep(planInput);
  if (!planned) {
    const wanted = new Set(plan.runs.map((r) => r.runId));
    const existing = new Set(runs.map((r) => r.runId));
    for (const run of runs) if (run.state === RunState.Planned && run.kind === 'sweep' && !wanted.has(run.runId)) dropRunIds.push(run.runId);
    for (const run of plan.runs) if (!existing.has(run.runId)) addRuns.push(run);
    runs = [...runs.filter((r) => !dropRunIds.includes(r.runId)), ...addRuns];
  }
  const adaptive = planAdaptiveRuns(planInput, runs).filter((r) => !runs.some((x) => x.runId === r.runId));
  addRuns.push(...adaptive);
  runs = [...runs, ...adaptive];

  if (runs.length === 0) {
    const reasons = plan.refused.map((r) => r.reason).join('; ') || (planned ? conditions.find((c) => c.type === ConditionType.Degraded)?.message : '');
    set(condition(ConditionType.Planned, false, ConditionReason.BudgetTooSmall, reasons || 'The sweep plans no runs', now, generation));
    set(condition(ConditionType.Degraded, true, ConditionReason.BudgetTooSmall, reasons || 'The sweep plans no runs', now, generation));
    set(condition(ConditionType.Ready, false, ConditionReason.InvalidSweep, 'No trainable sweep runs', now, generation));
    return { ...NO_OP, addFinalizer, addRuns, dropRunIds, status: { phase: 'Degraded', observedGeneration: generation, plannedGeneration: generation, conditions } };
  }

  const counts = countRuns(runs);
  const budgets = new Set(runs.filter((r) => r.kind === 'sweep').map((r) => r.budgetFlops)).size;
  const notes = [...plan.warnings, ...plan.refused.map((r) => `refused: ${r.reason}`)];
  const previousNotes = planned ? /\((.*)\)$/.exec(conditions.find((c) => c.type === ConditionType.Planned)?.message ?? '')?.[1] : undefined;
  const noteText = notes.length ? notes.join('; ') : previousNotes;
  set(condition(ConditionType.Planned, true, ConditionReason.SweepPlanned, `Planned ${runs.length} runs over ${budgets} IsoFLOP budgets${noteText ? ` (${noteText})` : ''}`, now, generation));

  const overFailureBudget = counts.failed > law.spec.maxFailedRuns;
  const inFlight = counts.queued + counts.running;
  const slots = overFailureBudget ? 0 : Math.max(0, law.spec.maxConcurrentRuns - inFlight);
  // Smallest budgets first, then smallest models: cheap runs give the first fit sooner.
  const enqueue = runs
    .filter((r) => r.state === RunState.Planned)
    .sort((a, b) => a.budgetFlops - b.budgetFlops || a.params - b.params)
    .slice(0, slots);
  const afterEnqueue = { ...counts, planned: counts.planned - enqueue.length, queued: counts.queued + enqueue.length };

  const succeeded = runs.filter((r) => r.state === RunState.Succeeded);
  const fittedIds = new Set(observed.fit?.runIds ?? []);
  const requestRefit = succeeded.length > 0 && (succeeded.length !== fittedIds.size || succeeded.some((r) => !fittedIds.has(r.runId)));
  const remaining = afterEnqueue.planned + afterEnqueue.queued + afterEnqueue.running;
  const finished = counts.succeeded + counts.failed + counts.diverged;

  const fits = observed.fit?.methods.map((m) => m.summary) ?? [];
  const primaryFit = current ? displayedFit(current.summary) : undefined;
  const excludedRuns = runs
    .filter((r) => r.state === RunState.Diverged || r.state === RunState.Failed)
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))
    .slice(0, EXCLUDED_RUNS_LIMIT)
    .map((r) => ({ runId: r.runId, reason: `${r.state}: ${r.error ?? 'no reason given'}` }));

  let phase: NonNullable<ScalingLawStatus['phase']>;
  if (overFailureBudget) {
    phase = 'Degraded';
    set(
      condition(ConditionType.Degraded, true, ConditionReason.FailureBudgetExceeded, `${counts.failed} runs failed, more than maxFailedRuns=${law.spec.maxFailedRuns}; no new runs are started (queued runs are kept)`, now, generation),
    );
  } else {
    set(condition(ConditionType.Degraded, false, ConditionReason.Reconciled, 'Within the failure budget', now, generation));
  }
  if (remaining > 0) {
    set(condition(ConditionType.Progressing, true, ConditionReason.SweepRunning, `${finished}/${runs.length} runs finished, ${afterEnqueue.running} running, ${afterEnqueue.queued} queued`, now, generation));
  } else {
    set(condition(ConditionType.Progressing, false, ConditionReason.SweepComplete, `All ${runs.length} runs finished`, now, generation));
  }
  const fitsCurrent = !requestRefit && primaryFit !== undefined;
  if (primaryFit && primaryFit.converged) {
    const status = fitsCurrent ? true : remaining === 0 ? false : true;
    set(condition(ConditionType.Ready, status && remaining === 0 && fitsCurrent, fitsCurrent && remaining === 0 ? ConditionReason.FitConverged : ConditionReason.AwaitingRuns, fitsCurrent && remaining === 0 ? `Fitted on ${primaryFit.runs} runs: a=${primaryFit.a.toFixed(3)}, b=${primaryFit.b.toFixed(3)}` : `Fitted on ${primaryFit.runs} runs so far; refits as runs finish`, now, generation));
  } else if (primaryFit) {
    set(condition(ConditionType.Ready, false, ConditionReason.FitDidNotConverge, `Approach ${primaryFit.method} did not converge on ${primaryFit.runs} runs${primaryFit.warnings.length ? `: ${primaryFit.warnings.join('; ')}` : ''}`, now, generation));
  } else {
    const skipped = observed.fit?.skipped.map((s) => `approach ${s.method}: ${s.reason}`).join('; ');
    set(condition(ConditionType.Ready, false, ConditionReason.AwaitingRuns, skipped ? `No fit yet (${skipped})` : `Waiting for runs (${finished}/${runs.length} finished)`, now, generation));
  }
  if (!overFailureBudget) phase = remaining > 0 ? 'Running' : requestRefit || !primaryFit ? 'Fitting' : primaryFit.converged ? 'Ready' : 'Degraded';

  const status: ScalingLawStatus = {
    phase: phase!,
    observedGeneration: generation,
    plannedGeneration: generation,
    runs: afterEnqueue,
    runsSummary: `${finished}/${runs.length}`,
    simulated: sweep.simulate !== undefined,
    fits,
    primaryFit,
    fitHistory: (observed.fit?.history ?? []).slice(-FIT_HISTORY_LIMIT),
    excludedRuns,
    conditions,
  };
  return { addFinalizer, finalize: false, addRuns, dropRunIds, enqueue, requestRefit, status };
}

/** Services the act half needs. */
export interface ScalingLawReconcilerDeps {
  readonly laws: ResourceStore<ScalingLaw>;
  readonly runs: RunStore;
  readonly queue: RunQueue;
  readonly fits: { get(ref: ObjectRef): Promise<StudyFitState | undefined>; delete(ref: ObjectRef): Promise<void> };
  readonly refits: RefitScheduler;
  readonly presets: PresetCatalog;
  readonly retainResults: boolean;
  /** Queued/running runs whose BullMQ job is gone. */
  readonly findLostRuns: (records: readonly RunRecord[]) => Promise<RunRecord[]>;
  /** @default 10000 */
  readonly lostCheckMs?: number;
  readonly log: Logger;
  readonly now?: () => string;
}

/** The thin, side-effecting half: observe → `decideScalingLaw` → act. */
export class ScalingLawReconciler {
  constructor(private readonly deps: ScalingLawReconcilerDeps) {}

  async reconcile(ref: ObjectRef): Promise<void> {
    const { laws, runs, queue, fits, refits, presets, log } = this.deps;
    const law = await laws.get(ref);
    if (!law) return;
    await this.requeueLostRuns(ref);
    const observed: ObservedScalingLaw = {
      law,
      runs: await runs.list('ScalingLaw', ref),
      fit: law.spec.preset ? undefined : await fits.get(ref),
      presetFit: law.spec.preset ? presets.fitSummary(law.spec.preset) : undefined,
      prior: (flops) => presets.priorParams(flops),
      now: (this.deps.now ?? (() => new Date().toISOString()))(),
    };
    const outcome = decideScalingLaw(observed);

    if (outcome.finalize) {
      await this.finalize(ref, observed.runs);
      return;
    }
    if (outcome.addFinalizer) await laws.addFinalizer(ref, RUNS_FINALIZER);
    await runs.removeRuns('ScalingLaw', ref, outcome.dropRunIds);
    await runs.putMany('ScalingLaw', ref, outcome.addRuns);
    if (outcome.addRuns.length > 0) log.info({ scalingLaw: refKey(ref), runs: outcome.addRuns.length }, 'Planned ScalingLaw sweep runs');
    if (outcome.enqueue.length > 0) {
      // Enqueue first, then record: a crash in between leaves runs "planned", and re-adding them is a no-op (same job ids).
      await queue.enqueue(outcome.enqueue.map((run) => ({ data: toTrainRun(run, law.spec.model, law.spec.sweep?.simulate), priority: law.spec.priority })));
      const queuedAt = observed.now;
      // "queued" lives in memory only: BullMQ holds the truth, a restart re-adds these runs under the same
      // job ids (a no-op), and the record is written when the run finishes. That halves the writes per run.
      await runs.update(
        'ScalingLaw',
        ref,
        outcome.enqueue.map((r) => r.runId),
        (current) => (current.state === RunState.Planned ? { ...current, state: RunState.Queued, queuedAt } : undefined),
        new Map(),
        { persist: false },
      );
      log.debug({ scalingLaw: refKey(ref), runs: outcome.enqueue.length }, 'Queued ScalingLaw sweep runs');
    }
    if (outcome.requestRefit) refits.request(ref);
    if (law.status?.phase !== outcome.status.phase) {
      log.info({ scalingLaw: refKey(ref), generation: law.metadata.generation, phase: outcome.status.phase }, 'Updated ScalingLaw phase');
    }
    await laws.patchStatus(ref, outcome.status);
  }

  private readonly lastLostCheck = new Map<string, number>();

  /**
   * Runs recorded as queued or running whose job BullMQ no longer has (e.g. Redis lost its data) go
   * back to planned, so they are enqueued again. Checked at most every `lostCheckMs` per study.
   */
  private async requeueLostRuns(ref: ObjectRef): Promise<void> {
    const key = refKey(ref);
    const now = Date.now();
    if (now - (this.lastLostCheck.get(key) ?? 0) < (this.deps.lostCheckMs ?? 10_000)) return;
    this.lastLostCheck.set(key, now);
    const lost = await this.deps.findLostRuns(await this.deps.runs.list('ScalingLaw', ref));
    if (lost.length === 0) return;
    const requeued = await this.deps.runs.update('ScalingLaw', ref, lost.map((r) => r.runId), (current) =>
      current.state === RunState.Queued || current.state === RunState.Running ? { ...current, state: RunState.Planned, progress: undefined } : undefined,
    );
    if (requeued.length > 0) this.deps.log.warn({ scalingLaw: key, runs: requeued.length }, 'Re-planned ScalingLaw runs whose jobs were lost');
  }

  private async finalize(ref: ObjectRef, records: readonly RunRecord[]): Promise<void> {
    const { laws, runs, queue, fits, refits, log } = this.deps;
    refits.cancel(ref);
    const live = records.filter((r) => r.state === RunState.Queued || r.state === RunState.Running || r.state === RunState.Planned);
    const cancelled = await queue.cancel(live.map((r) => trainingJobId(r.owner, r.runId)), `ScalingLaw ${refKey(ref)} was deleted`);
    if (!this.deps.retainResults) {
      await runs.deleteOwner('ScalingLaw', ref);
      await fits.delete(ref);
    } else {
      runs.forget('ScalingLaw', ref);
    }
    log.info({ scalingLaw: refKey(ref), removedJobs: cancelled.removed, stoppedJobs: cancelled.stopping, resultsKept: this.deps.retainResults }, 'Cancelled ScalingLaw runs');
    await laws.removeFinalizer(ref, RUNS_FINALIZER);
  }
}
