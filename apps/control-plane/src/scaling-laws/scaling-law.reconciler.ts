import {
  ConditionReason,
  ConditionType,
  RUNS_FINALIZER,
  ResourceKind,
  RunKind,
  RunState,
  ScalingLawPhase,
  setCondition,
  trainingJobId,
  type Condition,
  type FitSummary,
  type ObjectRef,
  type RunCounts,
  type RunRecord,
  type ScalingLaw,
  type ScalingLawStatus,
  type TrustVerdictStatus,
} from '@scaleplan/contracts';
import { allocate } from '@scaleplan/scaling-laws';
import type { Logger } from 'pino';
import type { ScalingLawFitState } from '../planning/fit-state.js';
import { pickMethod } from '../planning/fit-state.js';
import type { RefitScheduler } from '../planning/refit-scheduler.js';
import { planAdaptiveRuns, planIsoFlopSweep, type SweepPlanInput } from '../planning/sweep-planner.js';
import { seedSpreadOf } from '../planning/seed-spread.js';
import { planTargetRuns, sweepFlops } from '../planning/sweep-target.js';
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
  readonly fit: ScalingLawFitState | undefined;
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
    set(
      condition(
        ConditionType.Ready,
        false,
        ConditionReason.Deleting,
        'The study is being deleted; its runs are being cancelled',
        now,
        generation,
      ),
    );
    return { ...NO_OP, finalize: true, status: { ...previous, phase: ScalingLawPhase.Deleting, conditions } };
  }
  const addFinalizer = !(law.metadata.finalizers ?? []).includes(RUNS_FINALIZER);

  if (law.spec.preset) {
    const fit = observed.presetFit;
    if (!fit) {
      set(condition(ConditionType.Ready, false, ConditionReason.InvalidSweep, `Unknown preset ${law.spec.preset}`, now, generation));
      return { ...NO_OP, addFinalizer, status: { phase: ScalingLawPhase.Degraded, observedGeneration: generation, conditions } };
    }
    set(condition(ConditionType.Ready, true, ConditionReason.PresetLoaded, `Loaded the published law ${law.spec.preset}`, now, generation));
    return {
      ...NO_OP,
      addFinalizer,
      status: { phase: ScalingLawPhase.Ready, observedGeneration: generation, fits: [fit], primaryFit: displayedFit(fit), conditions },
    };
  }

  const sweep = law.spec.sweep;
  if (!sweep) {
    set(condition(ConditionType.Ready, false, ConditionReason.InvalidSweep, 'spec.sweep is missing', now, generation));
    return { ...NO_OP, addFinalizer, status: { phase: ScalingLawPhase.Degraded, observedGeneration: generation, conditions } };
  }

  const primary = law.spec.fit.primaryMethod;
  const current = pickMethod(observed.fit, primary, primary);
  const planInput: SweepPlanInput = {
    owner: { namespace: law.metadata.namespace, name: law.metadata.name },
    sweep,
    model: law.spec.model,
    centerParams: (flops) =>
      current
        ? allocate(current.fitted.mapping, flops).params
        : sweep.priorTokensPerParam
          ? Math.sqrt(flops / (6 * sweep.priorTokensPerParam))
          : observed.prior(flops),
    now,
  };

  let runs = [...observed.runs];
  const addRuns: RunRecord[] = [];
  const dropRunIds: string[] = [];
  const planned = previous.plannedGeneration === generation;
  // The plan is made once per generation; later reconciles keep its notes from status.planNotes.
  const plan = planned ? { runs: [], refused: [], warnings: [] } : planIsoFlopSweep(planInput);
  const planNotes = planned
    ? (previous.planNotes ?? { warnings: [], refusals: [] })
    : { warnings: plan.warnings, refusals: plan.refused.map((r) => r.reason) };
  if (!planned) {
    const wanted = new Set(plan.runs.map((r) => r.runId));
    const existing = new Set(runs.map((r) => r.runId));
    for (const run of runs)
      if (run.state === RunState.Planned && run.kind === RunKind.Sweep && !wanted.has(run.runId)) dropRunIds.push(run.runId);
    for (const run of plan.runs) if (!existing.has(run.runId)) addRuns.push(run);
    runs = [...runs.filter((r) => !dropRunIds.includes(r.runId)), ...addRuns];
  }
  const adaptive = planAdaptiveRuns(planInput, runs).filter((r) => !runs.some((x) => x.runId === r.runId));
  addRuns.push(...adaptive);
  runs = [...runs, ...adaptive];
  // spec.sweep.target: the adaptive precision planner adds runs until the target holds or maxFlops is reached.
  const targetPlan = planTargetRuns(planInput, runs, observed.fit, primary);
  const targetRuns = (targetPlan?.runs ?? []).filter((r) => !runs.some((x) => x.runId === r.runId));
  addRuns.push(...targetRuns);
  runs = [...runs, ...targetRuns];

  if (runs.length === 0) {
    const reasons = planNotes.refusals.join('; ');
    set(condition(ConditionType.Planned, false, ConditionReason.BudgetTooSmall, reasons || 'The sweep plans no runs', now, generation));
    set(condition(ConditionType.Degraded, true, ConditionReason.BudgetTooSmall, reasons || 'The sweep plans no runs', now, generation));
    set(condition(ConditionType.Ready, false, ConditionReason.InvalidSweep, 'No trainable sweep runs', now, generation));
    return {
      ...NO_OP,
      addFinalizer,
      addRuns,
      dropRunIds,
      status: { phase: ScalingLawPhase.Degraded, observedGeneration: generation, plannedGeneration: generation, planNotes, conditions },
    };
  }

  const counts = countRuns(runs);
  const budgets = new Set(runs.filter((r) => r.kind === RunKind.Sweep).map((r) => r.budgetFlops)).size;
  const noteText = [...planNotes.warnings, ...planNotes.refusals.map((reason) => `refused: ${reason}`)].join('; ');
  set(
    condition(
      ConditionType.Planned,
      true,
      ConditionReason.SweepPlanned,
      `Planned ${runs.length} runs over ${budgets} IsoFLOP budgets${noteText ? ` (${noteText})` : ''}`,
      now,
      generation,
    ),
  );

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
  // A fit stored before fits carried their trust verdicts is refitted (the verdict decides Ready).
  const staleFormat = observed.fit !== undefined && observed.fit.verdicts === undefined;
  const requestRefit =
    succeeded.length > 0 && (staleFormat || succeeded.length !== fittedIds.size || succeeded.some((r) => !fittedIds.has(r.runId)));
  const remaining = afterEnqueue.planned + afterEnqueue.queued + afterEnqueue.running;
  const finished = counts.succeeded + counts.failed + counts.diverged;

  const fits = observed.fit?.methods.map((m) => m.summary) ?? [];
  const primaryFit = current ? displayedFit(current.summary) : undefined;
  const excludedRuns = runs
    .filter((r) => r.state === RunState.Diverged || r.state === RunState.Failed)
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))
    .slice(0, EXCLUDED_RUNS_LIMIT)
    .map((r) => ({ runId: r.runId, reason: `${r.state}: ${r.error ?? 'no reason given'}` }));

  const verdict = observed.fit?.verdicts?.find((v) => v.method === primary)?.verdict;
  const fitConditions = decideFitConditions({
    primary,
    verdict,
    fitRuns: observed.fit?.runIds.length ?? 0,
    primaryFit: primaryFit?.method === primary ? primaryFit : undefined,
    refitting: requestRefit,
    remaining,
    counts: { ...afterEnqueue, finished, total: runs.length },
    skipped: observed.fit?.skipped.map((s) => `approach ${s.method}: ${s.reason}`).join('; ') || undefined,
  });
  let phase: ScalingLawPhase = fitConditions.phase;
  set(
    condition(
      ConditionType.Progressing,
      fitConditions.progressing.status,
      fitConditions.progressing.reason,
      fitConditions.progressing.message,
      now,
      generation,
    ),
  );
  set(condition(ConditionType.Ready, fitConditions.ready.status, fitConditions.ready.reason, fitConditions.ready.message, now, generation));
  if (overFailureBudget) {
    phase = ScalingLawPhase.Degraded;
    set(
      condition(
        ConditionType.Degraded,
        true,
        ConditionReason.FailureBudgetExceeded,
        `${counts.failed} runs failed, more than maxFailedRuns=${law.spec.maxFailedRuns}; no new runs are started (queued runs are kept)`,
        now,
        generation,
      ),
    );
  } else {
    set(
      condition(
        ConditionType.Degraded,
        fitConditions.degraded.status,
        fitConditions.degraded.reason,
        fitConditions.degraded.message,
        now,
        generation,
      ),
    );
  }
  // With a precision target the law is Ready only once the target holds; at the FLOP cap it is Degraded, saying why.
  const targetDecision = targetPlan?.decision;
  if (targetDecision && targetDecision.kind !== 'met' && remaining === 0 && !requestRefit) {
    set(condition(ConditionType.Ready, false, ConditionReason.PrecisionTargetNotMet, targetDecision.reason, now, generation));
    if (targetDecision.kind === 'capped' && !overFailureBudget) {
      phase = ScalingLawPhase.Degraded;
      const atCap = targetDecision.nextStepFlops !== undefined;
      set(
        condition(
          ConditionType.Degraded,
          true,
          atCap ? ConditionReason.FlopCapReached : ConditionReason.PrecisionTargetNotMet,
          targetDecision.reason,
          now,
          generation,
        ),
      );
    } else if (phase === ScalingLawPhase.Ready) phase = ScalingLawPhase.Fitting;
  }

  const seedSpread = seedSpreadOf(runs);
  const status: ScalingLawStatus = {
    phase,
    observedGeneration: generation,
    plannedGeneration: generation,
    planNotes,
    runs: afterEnqueue,
    runsSummary: `${finished}/${runs.length}`,
    simulated: sweep.simulate !== undefined,
    fits,
    primaryFit,
    fitHistory: (observed.fit?.history ?? []).slice(-FIT_HISTORY_LIMIT),
    excludedRuns,
    ...(verdict ? { verdict: { method: primary, trusted: verdict.trusted, reason: verdict.reason, message: verdict.message } } : {}),
    sweep:
      targetPlan?.progress ?? (({ spent, planned: plannedFlops }) => ({ flopsSpent: spent, flopsPlanned: plannedFlops }))(sweepFlops(runs)),
    ...(seedSpread ? { seedSpread } : {}),
    conditions,
  };
  return { addFinalizer, finalize: false, addRuns, dropRunIds, enqueue, requestRefit, status };
}

type ConditionReasonValue = (typeof ConditionReason)[keyof typeof ConditionReason];
interface ConditionValue {
  readonly status: boolean;
  readonly reason: ConditionReasonValue;
  readonly message: string;
}

/** What the fit conditions of a study depend on. */
export interface FitConditionInput {
  readonly primary: number;
  /** the primary method's trust verdict from the latest fit; undefined before the first fit */
  readonly verdict: TrustVerdictStatus | undefined;
  /** runs the latest fit used */
  readonly fitRuns: number;
  /** the primary method's summary (for the Ready message) */
  readonly primaryFit: FitSummary | undefined;
  /** succeeded runs the latest fit does not cover yet: a refit is due */
  readonly refitting: boolean;
  /** runs planned, queued or running (the planner's additions included) */
  readonly remaining: number;
  readonly counts: {
    readonly finished: number;
    readonly total: number;
    readonly running: number;
    readonly queued: number;
    readonly succeeded: number;
  };
  /** why methods could not fit, for the message when there is no verdict */
  readonly skipped?: string;
}

/** Ready, Progressing and Degraded from the primary method's trust verdict, and the phase. */
export interface FitConditions {
  readonly phase: Exclude<ScalingLawPhase, typeof ScalingLawPhase.Pending | typeof ScalingLawPhase.Deleting>;
  readonly ready: ConditionValue;
  readonly progressing: ConditionValue;
  readonly degraded: ConditionValue;
}

/**
 * The fit half of a study's conditions (pure, table-tested). Ready=True only when every run has finished,
 * the fit covers them and the primary method's verdict is trusted. Otherwise Ready=False with the
 * verdict's reason; Progressing=True while runs are coming or a refit is due; once nothing more will
 * come (the sweep finished, the planner adds nothing) an untrusted verdict is Degraded=True with its
 * reason, so no study waits forever.
 */
export function decideFitConditions(input: FitConditionInput): FitConditions {
  const { verdict, counts, remaining, refitting } = input;
  const moreComing = remaining > 0;
  const progressing: ConditionValue = moreComing
    ? {
        status: true,
        reason: ConditionReason.SweepRunning,
        message: `${counts.finished}/${counts.total} runs finished, ${counts.running} running, ${counts.queued} queued`,
      }
    : refitting
      ? {
          status: true,
          reason: ConditionReason.AwaitingRuns,
          message: `All ${counts.total} runs finished; refitting on ${counts.succeeded} succeeded runs`,
        }
      : { status: false, reason: ConditionReason.SweepComplete, message: `All ${counts.total} runs finished` };
  const settled = !moreComing && !refitting;
  const notDegraded: ConditionValue = { status: false, reason: ConditionReason.Reconciled, message: 'Within the failure budget' };

  if (verdict?.trusted) {
    const fit = input.primaryFit;
    const described = fit ? `a=${fit.a.toFixed(3)}, b=${fit.b.toFixed(3)}` : '';
    if (settled) {
      return {
        phase: ScalingLawPhase.Ready,
        ready: {
          status: true,
          reason: ConditionReason.FitTrusted,
          message: `Approach ${input.primary} trusted on ${input.fitRuns} runs${described ? `: ${described}` : ''}`,
        },
        progressing,
        degraded: notDegraded,
      };
    }
    return {
      phase: moreComing ? ScalingLawPhase.Running : ScalingLawPhase.Fitting,
      ready: {
        status: false,
        reason: ConditionReason.AwaitingRuns,
        message: `Approach ${input.primary} trusted on ${input.fitRuns} runs so far${described ? ` (${described})` : ''}; refits as runs finish`,
      },
      progressing,
      degraded: notDegraded,
    };
  }
  const reason: ConditionReasonValue = verdict
    ? ConditionReason[verdict.reason as Exclude<typeof verdict.reason, 'Trusted'>]
    : ConditionReason.AwaitingRuns;
  const why = verdict
    ? `Approach ${input.primary} is not trusted on ${input.fitRuns} runs: ${verdict.message}`
    : input.skipped
      ? `No fit yet (${input.skipped})`
      : `Waiting for runs (${counts.finished}/${counts.total} finished)`;
  if (!settled)
    return {
      phase: moreComing ? ScalingLawPhase.Running : ScalingLawPhase.Fitting,
      ready: { status: false, reason, message: why },
      progressing,
      degraded: notDegraded,
    };
  // Nothing more will come: an untrusted (or impossible) fit is final until the spec changes.
  const finalReason = verdict ? reason : ConditionReason.InsufficientEvidence;
  const finalWhy = verdict ? why : `No run succeeded to fit (${counts.finished}/${counts.total} runs finished)`;
  return {
    phase: ScalingLawPhase.Degraded,
    ready: { status: false, reason: finalReason, message: finalWhy },
    progressing,
    degraded: {
      status: true,
      reason: finalReason,
      message: `${finalWhy}. The sweep has finished and adds no more runs: extend spec.sweep (more budgets or sizes) or set spec.sweep.target so the planner adds runs`,
    },
  };
}

/** Services the act half needs. */
export interface ScalingLawReconcilerDeps {
  readonly laws: ResourceStore<ScalingLaw>;
  readonly runs: RunStore;
  readonly queue: RunQueue;
  readonly fits: {
    get(ref: ObjectRef): Promise<ScalingLawFitState | undefined>;
    delete(ref: ObjectRef): Promise<void>;
    forget(ref: ObjectRef): void;
  };
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
      runs: await runs.list(ResourceKind.ScalingLaw, ref),
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
    await runs.removeRuns(ResourceKind.ScalingLaw, ref, outcome.dropRunIds);
    await runs.putMany(ResourceKind.ScalingLaw, ref, outcome.addRuns);
    if (outcome.addRuns.length > 0) log.info({ scalingLaw: refKey(ref), runs: outcome.addRuns.length }, 'Planned ScalingLaw sweep runs');
    if (outcome.enqueue.length > 0) {
      // Enqueue first, then record: a crash in between leaves runs "planned", and re-adding them is a no-op (same job ids).
      await queue.enqueue(
        outcome.enqueue.map((run) => ({ data: toTrainRun(run, law.spec.model, law.spec.sweep?.simulate), priority: law.spec.priority })),
      );
      const queuedAt = observed.now;
      // "queued" lives in memory only: BullMQ holds the truth, a restart re-adds these runs under the same
      // job ids (a no-op), and the record is written when the run finishes. That halves the writes per run.
      await runs.update(
        ResourceKind.ScalingLaw,
        ref,
        outcome.enqueue.map((r) => r.runId),
        (current) => (current.state === RunState.Planned ? { ...current, state: RunState.Queued, queuedAt } : undefined),
        new Map(),
        { persist: false },
      );
      log.debug({ scalingLaw: refKey(ref), runs: outcome.enqueue.length }, 'Queued ScalingLaw sweep runs');
    }
    // Results request their refit themselves (LawRefitter); this covers the rest (a restart, a stale fit format).
    if (outcome.requestRefit && !refits.has(ref)) refits.request(ref);
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
    const lost = await this.deps.findLostRuns(await this.deps.runs.list(ResourceKind.ScalingLaw, ref));
    if (lost.length === 0) return;
    const requeued = await this.deps.runs.update(
      ResourceKind.ScalingLaw,
      ref,
      lost.map((r) => r.runId),
      (current) =>
        current.state === RunState.Queued || current.state === RunState.Running
          ? { ...current, state: RunState.Planned, progress: undefined }
          : undefined,
    );
    if (requeued.length > 0)
      this.deps.log.warn({ scalingLaw: key, runs: requeued.length }, 'Re-planned ScalingLaw runs whose jobs were lost');
  }

  private async finalize(ref: ObjectRef, records: readonly RunRecord[]): Promise<void> {
    const { laws, runs, queue, fits, refits, log } = this.deps;
    refits.cancel(ref);
    const live = records.filter((r) => r.state === RunState.Queued || r.state === RunState.Running || r.state === RunState.Planned);
    const cancelled = await queue.cancel(
      live.map((r) => trainingJobId(r.owner, r.runId)),
      `ScalingLaw ${refKey(ref)} was deleted`,
    );
    await queue.removeKept(records.map((r) => trainingJobId(r.owner, r.runId)));
    if (!this.deps.retainResults) {
      await runs.deleteOwner(ResourceKind.ScalingLaw, ref);
      await fits.delete(ref);
    } else {
      runs.forget(ResourceKind.ScalingLaw, ref);
      fits.forget(ref);
    }
    this.lastLostCheck.delete(refKey(ref));
    log.info(
      { scalingLaw: refKey(ref), removedJobs: cancelled.removed, stoppedJobs: cancelled.stopping, resultsKept: this.deps.retainResults },
      'Cancelled ScalingLaw runs',
    );
    await laws.removeFinalizer(ref, RUNS_FINALIZER);
  }
}
