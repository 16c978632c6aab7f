import {
  ConditionReason,
  ConditionType,
  RUNS_FINALIZER,
  ResourceKind,
  RunKind,
  RunState,
  ScalingLawPhase,
  withConditions,
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
import type { MethodFit, ScalingLawFitState } from '../planning/fit-state.js';
import { pickMethod } from '../planning/fit-state.js';
import type { RefitScheduler } from '../planning/refit-scheduler.js';
import { planAdaptiveRuns, planIsoFlopSweep, type SweepPlanInput } from '../planning/sweep-planner.js';
import { seedSpreadOf } from '../planning/seed-spread.js';
import { planTargetRuns, sweepFlops, type TargetPlan } from '../planning/sweep-target.js';
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

type ConditionTypeValue = (typeof ConditionType)[keyof typeof ConditionType];
type PlanNotes = NonNullable<ScalingLawStatus['planNotes']>;

/** What every step of one reconcile shares: the stamp of its conditions, the status it starts from, the finalizer. */
interface LawContext {
  readonly now: string;
  readonly generation: number;
  readonly previous: ScalingLawStatus;
  readonly addFinalizer: boolean;
}

/** The sweep's runs once this reconcile has planned, and what the planning changed. */
interface PlannedSweep {
  readonly runs: readonly RunRecord[];
  readonly addRuns: readonly RunRecord[];
  readonly dropRunIds: readonly string[];
  readonly planNotes: PlanNotes;
  readonly targetPlan: TargetPlan | undefined;
}

/** What this reconcile puts on the queue, and the run counts once it has. */
interface Queueing {
  readonly overFailureBudget: boolean;
  readonly enqueue: readonly RunRecord[];
  readonly afterEnqueue: RunCounts;
  /** runs planned, queued or running after the enqueue */
  readonly remaining: number;
  /** runs succeeded, failed or diverged */
  readonly finished: number;
}

/** A phase and the conditions (in the order they are set) one step decided. */
interface PhaseConditions {
  readonly phase: ScalingLawPhase;
  readonly conditions: readonly Condition[];
}

/**
 * The pure half of the ScalingLaw reconciler: observed state → outcome (level-based, idempotent).
 * Sweep runs are planned once per generation (deterministic ids, so a re-plan of the same points is a
 * no-op); planned runs are enqueued up to `maxConcurrentRuns` in flight; past the failure budget the
 * study is Degraded and nothing new is enqueued (queued runs are kept).
 */
export function decideScalingLaw(observed: ObservedScalingLaw): ScalingLawOutcome {
  const { law } = observed;
  const ctx = lawContext(observed);
  if (law.metadata.deletionTimestamp) return deletingLaw(ctx);
  if (law.spec.preset) return presetLaw(ctx, law.spec.preset, observed.presetFit);
  const sweep = law.spec.sweep;
  if (!sweep) return invalidLaw(ctx, 'spec.sweep is missing');

  const primary = law.spec.fit.primaryMethod;
  const current = pickMethod(observed.fit, primary, primary);
  const plan = planSweep(ctx, observed, sweepPlanInput(observed, sweep, current), primary);
  if (plan.runs.length === 0) return emptySweep(ctx, plan);

  const queueing = queueRuns(plan.runs, law.spec);
  const requestRefit = refitDue(plan.runs, observed.fit);
  const primaryFit = current ? displayedFit(current.summary) : undefined;
  const verdict = observed.fit?.verdicts?.find((v) => v.method === primary)?.verdict;
  const fitInput = fitConditionInput(observed.fit, { primary, verdict, primaryFit, requestRefit, queueing, total: plan.runs.length });
  const fitted = studyConditions(ctx, decideFitConditions(fitInput), queueing, law.spec.maxFailedRuns);
  const targeted = precisionTargetConditions(ctx, plan.targetPlan?.decision, fitted.phase, { queueing, requestRefit });
  const conditions = withConditions(ctx.previous, [plannedCondition(ctx, plan), ...fitted.conditions, ...targeted.conditions]);
  const status = sweepStatus(ctx, observed, plan, { phase: targeted.phase, queueing, primary, primaryFit, verdict, conditions });
  return {
    addFinalizer: ctx.addFinalizer,
    finalize: false,
    addRuns: plan.addRuns,
    dropRunIds: plan.dropRunIds,
    enqueue: queueing.enqueue,
    requestRefit,
    status,
  };
}

/** Reads the generation, the previous status and whether the finalizer is still to add, once for every step. */
function lawContext(observed: ObservedScalingLaw): LawContext {
  const { law, now } = observed;
  return {
    now,
    generation: law.metadata.generation ?? 1,
    previous: law.status ?? {},
    addFinalizer: !(law.metadata.finalizers ?? []).includes(RUNS_FINALIZER),
  };
}

/** `condition` stamped with this reconcile's clock and generation, so the steps below stay short. */
function stamped(ctx: LawContext, type: ConditionTypeValue, status: boolean, reason: ConditionReasonValue, message: string): Condition {
  return condition(type, status, reason, message, ctx.now, ctx.generation);
}

/** Being deleted: Ready=False, phase Deleting, and the act half cancels the runs and removes the finalizer. */
function deletingLaw(ctx: LawContext): ScalingLawOutcome {
  const conditions = withConditions(ctx.previous, [
    stamped(ctx, ConditionType.Ready, false, ConditionReason.Deleting, 'The study is being deleted; its runs are being cancelled'),
  ]);
  return { ...NO_OP, finalize: true, status: { ...ctx.previous, phase: ScalingLawPhase.Deleting, conditions } };
}

/** A `spec.preset` law runs nothing: it is Ready with the published fit, or Degraded when the preset is unknown. */
function presetLaw(ctx: LawContext, preset: string, fit: FitSummary | undefined): ScalingLawOutcome {
  if (!fit) return invalidLaw(ctx, `Unknown preset ${preset}`);
  const conditions = withConditions(ctx.previous, [
    stamped(ctx, ConditionType.Ready, true, ConditionReason.PresetLoaded, `Loaded the published law ${preset}`),
  ]);
  return {
    ...NO_OP,
    addFinalizer: ctx.addFinalizer,
    status: { phase: ScalingLawPhase.Ready, observedGeneration: ctx.generation, fits: [fit], primaryFit: displayedFit(fit), conditions },
  };
}

/** A law with nothing to run (unknown preset, no sweep): Degraded with Ready=False saying why. */
function invalidLaw(ctx: LawContext, message: string): ScalingLawOutcome {
  const conditions = withConditions(ctx.previous, [stamped(ctx, ConditionType.Ready, false, ConditionReason.InvalidSweep, message)]);
  return {
    ...NO_OP,
    addFinalizer: ctx.addFinalizer,
    status: { phase: ScalingLawPhase.Degraded, observedGeneration: ctx.generation, conditions },
  };
}

/** New sweeps are centred on the current fit's N_opt(C), else on spec.sweep.priorTokensPerParam, else on the prior. */
function sweepPlanInput(observed: ObservedScalingLaw, sweep: SweepPlanInput['sweep'], current: MethodFit | undefined): SweepPlanInput {
  const { law, now } = observed;
  return {
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
}

/** The generation's IsoFLOP plan, then the adaptive planner's runs, then the precision target's (spec.sweep.target). */
function planSweep(ctx: LawContext, observed: ObservedScalingLaw, planInput: SweepPlanInput, primary: number): PlannedSweep {
  const planned = planGeneration(ctx, observed.runs, planInput);
  let runs = planned.runs;
  const addRuns = [...planned.addRuns];
  const adaptive = planAdaptiveRuns(planInput, runs).filter((r) => !runs.some((x) => x.runId === r.runId));
  addRuns.push(...adaptive);
  runs = [...runs, ...adaptive];
  // spec.sweep.target: the adaptive precision planner adds runs until the target holds or maxFlops is reached.
  const targetPlan = planTargetRuns(planInput, runs, observed.fit, primary);
  const targetRuns = (targetPlan?.runs ?? []).filter((r) => !runs.some((x) => x.runId === r.runId));
  addRuns.push(...targetRuns);
  runs = [...runs, ...targetRuns];
  return { runs, addRuns, dropRunIds: planned.dropRunIds, planNotes: planned.planNotes, targetPlan };
}

/**
 * The IsoFLOP plan is made once per generation: it adds the points not yet recorded and drops planned sweep runs it
 * no longer wants. Later reconciles of the same generation keep the runs and the plan's notes from status.planNotes.
 */
function planGeneration(ctx: LawContext, runs: readonly RunRecord[], planInput: SweepPlanInput): Omit<PlannedSweep, 'targetPlan'> {
  const { previous } = ctx;
  if (previous.plannedGeneration === ctx.generation) {
    return { runs: [...runs], addRuns: [], dropRunIds: [], planNotes: previous.planNotes ?? { warnings: [], refusals: [] } };
  }
  const plan = planIsoFlopSweep(planInput);
  const wanted = new Set(plan.runs.map((r) => r.runId));
  const existing = new Set(runs.map((r) => r.runId));
  const dropRunIds = runs
    .filter((run) => run.state === RunState.Planned && run.kind === RunKind.Sweep && !wanted.has(run.runId))
    .map((run) => run.runId);
  const addRuns = plan.runs.filter((run) => !existing.has(run.runId));
  return {
    runs: [...runs.filter((r) => !dropRunIds.includes(r.runId)), ...addRuns],
    addRuns,
    dropRunIds,
    planNotes: { warnings: plan.warnings, refusals: plan.refused.map((r) => r.reason) },
  };
}

/** A sweep that plans no runs at all (every budget refused) is Degraded, saying why. */
function emptySweep(ctx: LawContext, plan: PlannedSweep): ScalingLawOutcome {
  const { planNotes } = plan;
  const reasons = planNotes.refusals.join('; ');
  const conditions = withConditions(ctx.previous, [
    stamped(ctx, ConditionType.Planned, false, ConditionReason.BudgetTooSmall, reasons || 'The sweep plans no runs'),
    stamped(ctx, ConditionType.Degraded, true, ConditionReason.BudgetTooSmall, reasons || 'The sweep plans no runs'),
    stamped(ctx, ConditionType.Ready, false, ConditionReason.InvalidSweep, 'No trainable sweep runs'),
  ]);
  return {
    ...NO_OP,
    addFinalizer: ctx.addFinalizer,
    addRuns: plan.addRuns,
    dropRunIds: plan.dropRunIds,
    status: {
      phase: ScalingLawPhase.Degraded,
      observedGeneration: ctx.generation,
      plannedGeneration: ctx.generation,
      planNotes,
      conditions,
    },
  };
}

/** Planned=True: how many runs over how many IsoFLOP budgets, and what the planner warned about or refused. */
function plannedCondition(ctx: LawContext, plan: PlannedSweep): Condition {
  const { runs, planNotes } = plan;
  const budgets = new Set(runs.filter((r) => r.kind === RunKind.Sweep).map((r) => r.budgetFlops)).size;
  const noteText = [...planNotes.warnings, ...planNotes.refusals.map((reason) => `refused: ${reason}`)].join('; ');
  const message = `Planned ${runs.length} runs over ${budgets} IsoFLOP budgets${noteText ? ` (${noteText})` : ''}`;
  return stamped(ctx, ConditionType.Planned, true, ConditionReason.SweepPlanned, message);
}

/**
 * Planned runs fill the free `maxConcurrentRuns` slots; past the failure budget no slot is free (queued runs are
 * kept). Smallest budgets first, then smallest models: cheap runs give the first fit sooner.
 */
function queueRuns(runs: readonly RunRecord[], spec: ScalingLaw['spec']): Queueing {
  const counts = countRuns(runs);
  const overFailureBudget = counts.failed > spec.maxFailedRuns;
  const inFlight = counts.queued + counts.running;
  const slots = overFailureBudget ? 0 : Math.max(0, spec.maxConcurrentRuns - inFlight);
  const enqueue = runs
    .filter((r) => r.state === RunState.Planned)
    .sort((a, b) => a.budgetFlops - b.budgetFlops || a.params - b.params)
    .slice(0, slots);
  const afterEnqueue = { ...counts, planned: counts.planned - enqueue.length, queued: counts.queued + enqueue.length };
  return {
    overFailureBudget,
    enqueue,
    afterEnqueue,
    remaining: afterEnqueue.planned + afterEnqueue.queued + afterEnqueue.running,
    finished: counts.succeeded + counts.failed + counts.diverged,
  };
}

/**
 * A refit is due when the succeeded runs are not exactly the ones the stored fit used, or when the fit was stored
 * before fits carried their trust verdicts (the verdict decides Ready).
 */
function refitDue(runs: readonly RunRecord[], fit: ScalingLawFitState | undefined): boolean {
  const succeeded = runs.filter((r) => r.state === RunState.Succeeded);
  const fittedIds = new Set(fit?.runIds ?? []);
  const staleFormat = fit !== undefined && fit.verdicts === undefined;
  return succeeded.length > 0 && (staleFormat || succeeded.length !== fittedIds.size || succeeded.some((r) => !fittedIds.has(r.runId)));
}

/** Gathers what `decideFitConditions` reads from the stored fit and this reconcile's run counts. */
function fitConditionInput(
  fit: ScalingLawFitState | undefined,
  study: {
    readonly primary: number;
    readonly verdict: TrustVerdictStatus | undefined;
    readonly primaryFit: FitSummary | undefined;
    readonly requestRefit: boolean;
    readonly queueing: Queueing;
    readonly total: number;
  },
): FitConditionInput {
  const { primary, primaryFit, queueing } = study;
  return {
    primary,
    verdict: study.verdict,
    fitRuns: fit?.runIds.length ?? 0,
    primaryFit: primaryFit?.method === primary ? primaryFit : undefined,
    refitting: study.requestRefit,
    remaining: queueing.remaining,
    counts: { ...queueing.afterEnqueue, finished: queueing.finished, total: study.total },
    skipped: fit?.skipped.map((s) => `approach ${s.method}: ${s.reason}`).join('; ') || undefined,
  };
}

/** Progressing, Ready and Degraded from the fit verdict; past the failure budget Degraded says so instead and wins. */
function studyConditions(ctx: LawContext, fit: FitConditions, queueing: Queueing, maxFailedRuns: number): PhaseConditions {
  const { progressing, ready, degraded } = fit;
  const head = [
    stamped(ctx, ConditionType.Progressing, progressing.status, progressing.reason, progressing.message),
    stamped(ctx, ConditionType.Ready, ready.status, ready.reason, ready.message),
  ];
  if (!queueing.overFailureBudget) {
    return {
      phase: fit.phase,
      conditions: [...head, stamped(ctx, ConditionType.Degraded, degraded.status, degraded.reason, degraded.message)],
    };
  }
  const failed = queueing.afterEnqueue.failed; // enqueueing moves planned runs to queued only: the failed count is the observed one
  const message = `${failed} runs failed, more than maxFailedRuns=${maxFailedRuns}; no new runs are started (queued runs are kept)`;
  return {
    phase: ScalingLawPhase.Degraded,
    conditions: [...head, stamped(ctx, ConditionType.Degraded, true, ConditionReason.FailureBudgetExceeded, message)],
  };
}

/**
 * With a precision target the law is Ready only once the target holds: once nothing more is coming an unmet target
 * makes Ready=False, and at the FLOP cap the law is Degraded, saying why (the failure budget's Degraded wins).
 */
function precisionTargetConditions(
  ctx: LawContext,
  decision: TargetPlan['decision'] | undefined,
  phase: ScalingLawPhase,
  study: { readonly queueing: Queueing; readonly requestRefit: boolean },
): PhaseConditions {
  const { queueing } = study;
  if (!decision || decision.kind === 'met' || queueing.remaining !== 0 || study.requestRefit) return { phase, conditions: [] };
  const notMet = stamped(ctx, ConditionType.Ready, false, ConditionReason.PrecisionTargetNotMet, decision.reason);
  if (decision.kind === 'capped' && !queueing.overFailureBudget) {
    const reason = decision.nextStepFlops !== undefined ? ConditionReason.FlopCapReached : ConditionReason.PrecisionTargetNotMet;
    return { phase: ScalingLawPhase.Degraded, conditions: [notMet, stamped(ctx, ConditionType.Degraded, true, reason, decision.reason)] };
  }
  return { phase: phase === ScalingLawPhase.Ready ? ScalingLawPhase.Fitting : phase, conditions: [notMet] };
}

/** The most recently finished failed or diverged runs, with why, for status.excludedRuns. */
function excludedRunsOf(runs: readonly RunRecord[]): NonNullable<ScalingLawStatus['excludedRuns']> {
  return runs
    .filter((r) => r.state === RunState.Diverged || r.state === RunState.Failed)
    .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''))
    .slice(0, EXCLUDED_RUNS_LIMIT)
    .map((r) => ({ runId: r.runId, reason: `${r.state}: ${r.error ?? 'no reason given'}` }));
}

/** The complete status of a planned study: counts, fits, verdict, FLOPs spent and planned, seed spread, conditions. */
function sweepStatus(
  ctx: LawContext,
  observed: ObservedScalingLaw,
  plan: PlannedSweep,
  study: {
    readonly phase: ScalingLawPhase;
    readonly queueing: Queueing;
    readonly primary: number;
    readonly primaryFit: FitSummary | undefined;
    readonly verdict: TrustVerdictStatus | undefined;
    readonly conditions: Condition[];
  },
): ScalingLawStatus {
  const { runs, targetPlan } = plan;
  const { verdict, primary } = study;
  const seedSpread = seedSpreadOf(runs);
  return {
    phase: study.phase,
    observedGeneration: ctx.generation,
    plannedGeneration: ctx.generation,
    planNotes: plan.planNotes,
    runs: study.queueing.afterEnqueue,
    runsSummary: `${study.queueing.finished}/${runs.length}`,
    simulated: observed.law.spec.sweep?.simulate !== undefined,
    fits: observed.fit?.methods.map((m) => m.summary) ?? [],
    primaryFit: study.primaryFit,
    fitHistory: (observed.fit?.history ?? []).slice(-FIT_HISTORY_LIMIT),
    excludedRuns: excludedRunsOf(runs),
    ...(verdict ? { verdict: { method: primary, trusted: verdict.trusted, reason: verdict.reason, message: verdict.message } } : {}),
    sweep:
      targetPlan?.progress ?? (({ spent, planned: plannedFlops }) => ({ flopsSpent: spent, flopsPlanned: plannedFlops }))(sweepFlops(runs)),
    ...(seedSpread ? { seedSpread } : {}),
    conditions: study.conditions,
  };
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
  const progressing = progressingCondition(input);
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

/** Progressing: True while runs are coming or a refit is due, False once the sweep is complete and fitted. */
function progressingCondition({ counts, remaining, refitting }: FitConditionInput): ConditionValue {
  if (remaining > 0) {
    return {
      status: true,
      reason: ConditionReason.SweepRunning,
      message: `${counts.finished}/${counts.total} runs finished, ${counts.running} running, ${counts.queued} queued`,
    };
  }
  if (refitting) {
    return {
      status: true,
      reason: ConditionReason.AwaitingRuns,
      message: `All ${counts.total} runs finished; refitting on ${counts.succeeded} succeeded runs`,
    };
  }
  return { status: false, reason: ConditionReason.SweepComplete, message: `All ${counts.total} runs finished` };
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
