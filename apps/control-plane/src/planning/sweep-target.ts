import { RunKind, RunState, type RunRecord, type SweepProgress } from '@scaleplan/contracts';
import { estimateAllocation } from '@scaleplan/scaling-laws';
import {
  decideNextRuns,
  achievedHalfWidth,
  type AdaptiveDecision,
  type NOptEstimate,
  type PrecisionTarget,
  type SweepPoint,
} from './adaptive-precision.js';
import { pickMethod, type ScalingLawFitState } from './fit-state.js';
import { planShape } from './model-shapes.js';
import { plannedParamsTotal, runParamsTotal } from './run-params.js';
import { feasibleRange, recordFor, type SweepPlanInput } from './sweep-planner.js';

/**
 * spec.sweep.target and maxFlops in the control plane: the study's runs and fit → `decideNextRuns` →
 * new RunRecords (snapped to trainable shapes; a point that exists already becomes a replicate with
 * the next seed), and the FLOPs/target part of the status.
 */

const LIVE: ReadonlySet<string> = new Set([RunState.Planned, RunState.Queued, RunState.Running]);

/** FLOPs of the sweep runs: finished (succeeded, failed or diverged — all spent compute) and still to come. */
export function sweepFlops(runs: readonly RunRecord[]): { spent: number; planned: number } {
  let spent = 0;
  let planned = 0;
  for (const run of runs) {
    if (run.kind !== RunKind.Sweep) continue;
    if (LIVE.has(run.state)) planned += run.budgetFlops;
    else spent += run.budgetFlops;
  }
  return { spent, planned };
}

/** True when the fit used exactly the succeeded sweep runs (no refit pending). */
export function fitIsCurrent(runs: readonly RunRecord[], fit: ScalingLawFitState | undefined): boolean {
  if (!fit) return false;
  const fitted = new Set(fit.runIds);
  const succeeded = runs.filter((r) => r.kind === RunKind.Sweep && r.state === RunState.Succeeded);
  return succeeded.length === fitted.size && succeeded.every((r) => fitted.has(r.runId));
}

/** N_opt at the target budget with its interval at the target's level, from the primary fit's bootstrap. */
export function targetEstimate(
  fit: ScalingLawFitState | undefined,
  primaryMethod: number,
  target: PrecisionTarget,
): NOptEstimate | undefined {
  const method = pickMethod(fit, primaryMethod, primaryMethod);
  if (!method) return undefined;
  const tail = (100 * (1 - target.level)) / 2;
  try {
    const estimate = estimateAllocation(method.fitted, target.atFlops, { percentiles: [tail, 100 - tail] });
    const interval = estimate.intervals.params;
    if (!interval || !(interval.lower > 0) || !Number.isFinite(interval.upper)) return undefined;
    return { nOpt: estimate.params, lower: interval.lower, upper: interval.upper };
  } catch {
    return undefined;
  }
}

/** What the target planner decided, the runs it adds, and the status part. */
export interface TargetPlan {
  readonly decision: AdaptiveDecision;
  readonly runs: RunRecord[];
  readonly progress: SweepProgress;
}

/**
 * One decision of the adaptive precision planner for a study with spec.sweep.target. Failed and
 * diverged runs count as spent FLOPs but give no point; the decision waits for a fit of exactly the
 * succeeded runs, so it never acts on a stale interval.
 */
export function planTargetRuns(
  input: SweepPlanInput,
  runs: readonly RunRecord[],
  fit: ScalingLawFitState | undefined,
  primaryMethod: number,
): TargetPlan | undefined {
  const { target, maxFlops } = input.sweep;
  if (!target) return undefined;
  const sweepRuns = runs.filter((r) => r.kind === RunKind.Sweep);
  const points: SweepPoint[] = sweepRuns
    .filter(
      (r) =>
        LIVE.has(r.state) || (r.state === RunState.Succeeded && r.outcome?.finalLoss !== undefined && Number.isFinite(r.outcome.finalLoss)),
    )
    .map((r) => ({
      budgetFlops: r.budgetFlops,
      params: runParamsTotal(r),
      costFlops: r.budgetFlops,
      ...(r.state === RunState.Succeeded ? { loss: r.outcome?.finalLoss as number } : {}),
    }));
  const flops = sweepFlops(sweepRuns);
  const lost = flops.spent - points.filter((p) => p.loss !== undefined).reduce((s, p) => s + p.costFlops, 0);
  const current = fitIsCurrent(runs, fit);
  const estimate = current ? targetEstimate(fit, primaryMethod, target) : undefined;
  const noEstimateReason =
    current && !estimate
      ? fit?.skipped.map((s) => `approach ${s.method}: ${s.reason}`).join('; ') || 'no converged fit with bootstrap replicates'
      : undefined;
  const decision = decideNextRuns({
    target,
    // Runs that failed or diverged spent compute too: the cap counts them by shrinking what is left.
    ...(maxFlops !== undefined ? { maxFlops: maxFlops - lost } : {}),
    points,
    ...(estimate ? { estimate } : {}),
    ...(noEstimateReason !== undefined ? { noEstimateReason } : {}),
    newBudgetSizes: input.sweep.sizesPerBudget,
    spanDecades: input.sweep.spanDecades,
    feasible: (budgetFlops) => feasibleRange(budgetFlops, input.model),
    centre: (budgetFlops) => Math.log10(input.centerParams(budgetFlops)),
  });
  const added: RunRecord[] = [];
  if (decision.kind === 'run') {
    const taken = [...sweepRuns];
    for (const request of decision.requests) {
      const planned = planShape(10 ** request.log10Params, input.model);
      if (request.budgetFlops / planned.flopsPerToken < planned.minimumTokens) continue;
      const replicate = taken.filter((r) => r.budgetFlops === request.budgetFlops && plannedParamsTotal(r) === planned.paramsTotal).length;
      const record = recordFor(input, request.budgetFlops, planned, replicate);
      taken.push(record);
      added.push(record);
    }
  }
  const progress: SweepProgress = {
    flopsSpent: flops.spent,
    flopsPlanned: flops.planned + added.reduce((s, r) => s + r.budgetFlops, 0),
    ...(maxFlops !== undefined ? { maxFlops } : {}),
    target: {
      met: decision.kind === 'met',
      atFlops: target.atFlops,
      relativeHalfWidth: target.relativeHalfWidth,
      ...(estimate
        ? {
            nOpt: estimate.nOpt,
            interval: [estimate.lower, estimate.upper] as [number, number],
            achievedHalfWidth: achievedHalfWidth(estimate),
          }
        : {}),
    },
    decision: `${decision.kind}: ${decision.reason}`,
  };
  return { decision, runs: added, progress };
}
