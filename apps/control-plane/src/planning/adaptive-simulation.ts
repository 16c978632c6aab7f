import {
  allocateWithPowerLaw,
  bootstrapApproach2,
  computeOptimalAllocation,
  createRandom,
  FLOPS_PER_PARAM_TOKEN,
  predictLoss,
  ScalingLawError,
  standardNormal,
  type LossLaw,
  type LossObservation,
  type RandomSource,
} from '@scaleplan/scaling-laws';
import { decideNextRuns, type AdaptiveDecision, type NOptEstimate, type PrecisionTarget, type SweepPoint } from './adaptive-precision.js';

/**
 * The adaptive planner against a hidden law (simulated losses: the law's L(N, D) times exp(σ·z), the
 * noise model of @scaleplan/scaling-laws' synthetic sweeps), next to a fixed Chinchilla-style grid.
 * N is total parameters and D = C / (6·N), the service's accounting, so the law is evaluated at the N it plans.
 * Used by the stop-rule tests and `bench:adaptive`. Both designs are judged by the same estimate: the
 * Approach-2 bootstrap interval of N_opt at the target budget.
 */
export interface SimulatedStudy {
  readonly law: LossLaw;
  /** σ of the multiplicative log-normal loss noise. */
  readonly noise: number;
  readonly seed: number;
  /** Budgets a study may use, ascending: the fixed grid takes the first k, the adaptive planner adds them one at a time. */
  readonly ladder: readonly number[];
  readonly target: PrecisionTarget;
  /** How far (decades) the prior that centres the first sizes is off the true N_opt. */
  readonly priorOffsetDecades: number;
  readonly maxFlops?: number;
  /** Bootstrap resamples of each estimate. @default 200 */
  readonly resamples?: number;
}

/** N_opt at the target budget with its interval, from an Approach-2 bootstrap; undefined when Approach 2 cannot fit yet. */
export function estimateNOpt(
  observations: readonly LossObservation[],
  target: PrecisionTarget,
  resamples = 200,
  seed = 0,
): NOptEstimate | undefined {
  const tail = (100 * (1 - target.level)) / 2;
  try {
    const result = bootstrapApproach2(observations, {
      resamples,
      seed,
      percentiles: [tail, 100 - tail],
      budgets: [target.atFlops],
      fit: { smallBudgets: 'skip' },
    });
    const interval = result.allocations[0]!.params;
    if (result.succeeded < 2 || !Number.isFinite(interval.lower) || !Number.isFinite(interval.upper)) return undefined;
    return { nOpt: allocateWithPowerLaw(result.fit.mapping, target.atFlops).params, lower: interval.lower, upper: interval.upper };
  } catch (error) {
    if (error instanceof ScalingLawError) return undefined;
    throw error;
  }
}

const trueLog10NOpt = (law: LossLaw, flops: number): number => Math.log10(computeOptimalAllocation(law, flops).params);

function observe(law: LossLaw, noise: number, random: RandomSource, budgetFlops: number, params: number, runId: string): LossObservation {
  const tokens = budgetFlops / (FLOPS_PER_PARAM_TOKEN * params);
  return { params, tokens, loss: predictLoss(law, params, tokens) * Math.exp(noise * standardNormal(random)), budgetFlops, runId };
}

/** Log-spaced sizes over `span` decades centred on `centre` (log10 N). */
const sizesAround = (centre: number, count: number, span: number): number[] =>
  Array.from({ length: count }, (_, i) => 10 ** (centre - span / 2 + (span * i) / (count - 1)));

/** Outcome of one simulated design. */
export interface DesignOutcome {
  readonly met: boolean;
  /** Training FLOPs spent (each run costs its budget). */
  readonly flops: number;
  readonly runs: number;
  readonly budgets: number;
  readonly estimate?: NOptEstimate;
  /** The true N_opt at the target budget (the hidden law's). */
  readonly trueNOpt: number;
  readonly decisions: readonly string[];
}

/**
 * Fixed grid: `sizesPerBudget` sizes over `spanDecades` at each of the ladder's first k budgets, for
 * k = 2, 3, …: the cost is that of the smallest k whose estimate meets the target (as if the grid
 * had been planned with hindsight to be just large enough).
 */
export function simulateFixedGrid(study: SimulatedStudy, sizesPerBudget = 9, spanDecades = 1.5): DesignOutcome {
  const random = createRandom(study.seed);
  const observations: LossObservation[] = [];
  let flops = 0;
  let estimate: NOptEstimate | undefined;
  const trueNOpt = computeOptimalAllocation(study.law, study.target.atFlops).params;
  for (let k = 0; k < study.ladder.length; k++) {
    const budget = study.ladder[k]!;
    sizesAround(trueLog10NOpt(study.law, budget) + study.priorOffsetDecades, sizesPerBudget, spanDecades).forEach((params, i) => {
      observations.push(observe(study.law, study.noise, random, budget, params, `c${k}-n${i}`));
      flops += budget;
    });
    if (k === 0) continue;
    estimate = estimateNOpt(observations, study.target, study.resamples, study.seed);
    if (estimate && Math.max(estimate.upper / estimate.nOpt - 1, 1 - estimate.lower / estimate.nOpt) <= study.target.relativeHalfWidth) {
      return { met: true, flops, runs: observations.length, budgets: k + 1, estimate, trueNOpt, decisions: [] };
    }
  }
  return {
    met: false,
    flops,
    runs: observations.length,
    budgets: study.ladder.length,
    ...(estimate ? { estimate } : {}),
    trueNOpt,
    decisions: [],
  };
}

/**
 * The adaptive planner: starts with `sizesPerBudget` sizes over `spanDecades` at the ladder's first
 * `initialBudgets` budgets, then follows `decideNextRuns` (all requested runs finish before the next
 * decision) until it says met or capped.
 */
export function simulateAdaptive(
  study: SimulatedStudy,
  sizesPerBudget = 5,
  spanDecades = 1.5,
  initialBudgets = 2,
  maxRounds = 200,
): DesignOutcome {
  const random = createRandom(study.seed);
  const observations: LossObservation[] = [];
  const decisions: string[] = [];
  const run = (budget: number, params: number): void =>
    void observations.push(observe(study.law, study.noise, random, budget, params, `r${observations.length}`));
  const prior = (flops: number): number => trueLog10NOpt(study.law, flops) + study.priorOffsetDecades;
  for (const budget of study.ladder.slice(0, initialBudgets))
    for (const params of sizesAround(prior(budget), sizesPerBudget, spanDecades)) run(budget, params);
  const trueNOpt = computeOptimalAllocation(study.law, study.target.atFlops).params;
  let estimate: NOptEstimate | undefined;
  let decision: AdaptiveDecision | undefined;
  for (let round = 0; round < maxRounds; round++) {
    estimate = estimateNOpt(observations, study.target, study.resamples, study.seed);
    const fitted = estimate;
    const points: SweepPoint[] = observations.map((o) => ({
      budgetFlops: o.budgetFlops!,
      params: o.params,
      loss: o.loss,
      costFlops: o.budgetFlops!,
    }));
    decision = decideNextRuns({
      target: study.target,
      ...(study.maxFlops !== undefined ? { maxFlops: study.maxFlops } : {}),
      points,
      // Every run has finished when the planner is asked: no estimate means Approach 2 cannot fit yet.
      ...(fitted ? { estimate: fitted } : { noEstimateReason: 'Approach 2 needs two bracketed minima' }),
      newBudgetSizes: sizesPerBudget,
      spanDecades,
      feasible: (flops) => [prior(flops) - 3, prior(flops) + 3],
      // The current fit's N_opt(C) through its point at the target budget and the prior's slope; the prior before any fit.
      centre: (flops) => (fitted ? Math.log10(fitted.nOpt) + prior(flops) - prior(study.target.atFlops) : prior(flops)),
      budgetStep: study.ladder.length > 1 ? study.ladder[1]! / study.ladder[0]! : 4,
    });
    decisions.push(`${decision.kind}: ${decision.reason}`);
    if (decision.kind !== 'run') break;
    for (const request of decision.requests) run(request.budgetFlops, 10 ** request.log10Params);
  }
  const flops = observations.reduce((s, o) => s + o.budgetFlops!, 0);
  return {
    met: decision?.kind === 'met',
    flops,
    runs: observations.length,
    budgets: new Set(observations.map((o) => o.budgetFlops)).size,
    ...(estimate ? { estimate } : {}),
    trueNOpt,
    decisions,
  };
}
