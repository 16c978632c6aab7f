import { fitIsoFlopProfile, type ProfileFit } from './iso-flop-profile.js';

/**
 * The adaptive precision planner's decisions (spec.sweep.target / maxFlops), as pure functions of the
 * study's runs and its current fit. The control plane (RunRecords, bootstrap fit state) and
 * `bench:adaptive` (simulated laws) both call `decideNextRuns`; each turns the requests into runs its own way.
 */

/** The precision target (spec.sweep.target, without the contracts dependency so benches can use it). */
export interface PrecisionTarget {
  /** Budget (FLOPs) at which N_opt is measured. */
  readonly atFlops: number;
  /** Both interval ends within ±this fraction of N_opt. */
  readonly relativeHalfWidth: number;
  /** Central probability of the interval. */
  readonly level: number;
}

/** One sweep run as the planner sees it. */
export interface SweepPoint {
  /** The IsoFLOP budget the run belongs to. */
  readonly budgetFlops: number;
  readonly params: number;
  /** Final loss; undefined while the run is planned, queued or running. */
  readonly loss?: number;
  /** Training FLOPs of the run (an IsoFLOP run costs its budget). */
  readonly costFlops: number;
}

/** N_opt at the target budget and its interval, from the current fit. */
export interface NOptEstimate {
  readonly nOpt: number;
  readonly lower: number;
  readonly upper: number;
}

/** What the planner may do, and what it knows about trainable sizes. */
export interface AdaptiveInput {
  readonly target: PrecisionTarget;
  readonly maxFlops?: number;
  readonly points: readonly SweepPoint[];
  /** The current fit's N_opt at target.atFlops; undefined while there is no (current) fit. */
  readonly estimate?: NOptEstimate;
  /**
   * Why a fit of exactly the finished runs gives no estimate (e.g. Approach 2 with fewer than two
   * bracketed minima); undefined while a fit is merely pending. Then the planner adds a larger budget.
   */
  readonly noEstimateReason?: string;
  /**
   * Sizes of a newly added budget. Three suffice: the fit already predicts where its minimum lies, and an
   * unbracketed one is extended; the largest budgets dominate the cost, so they get the fewest runs.
   */
  readonly newBudgetSizes: number;
  /** Spread of a new budget's sizes, decades of N. */
  readonly spanDecades: number;
  /** log10 N range a budget can train (at least one batch per run). */
  readonly feasible: (budgetFlops: number) => readonly [number, number];
  /** log10 N_opt(C) of the current fit (centres a new budget). */
  readonly centre: (budgetFlops: number) => number;
  /** A new budget is the largest one × this (capped at target.atFlops). @default 4 */
  readonly budgetStep?: number;
}

/** A run to add: its budget and size (the caller snaps the size to a trainable shape). */
export interface RunRequest {
  readonly budgetFlops: number;
  readonly log10Params: number;
  readonly why: 'bracket' | 'densify' | 'new-budget';
}

/** The planner's decision. `reason` is a sentence for the status. */
export type AdaptiveDecision =
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'run'; readonly requests: readonly RunRequest[]; readonly reason: string }
  | { readonly kind: 'met'; readonly reason: string }
  | { readonly kind: 'capped'; readonly reason: string; readonly nextStepFlops?: number; readonly estimatedMoreFlops?: number };

/** max(upper/N − 1, 1 − lower/N): how far the farther interval end lies from the estimate, as a fraction. */
export const achievedHalfWidth = (estimate: NOptEstimate): number =>
  Math.max(estimate.upper / estimate.nOpt - 1, 1 - estimate.lower / estimate.nOpt);

/** FLOPs of finished and pending runs. */
export function flopsOf(points: readonly SweepPoint[]): { spent: number; pending: number } {
  let spent = 0;
  let pending = 0;
  for (const p of points) {
    if (p.loss === undefined) pending += p.costFlops;
    else spent += p.costFlops;
  }
  return { spent, pending };
}

interface BudgetState {
  readonly budgetFlops: number;
  readonly finished: readonly SweepPoint[];
  readonly profile: ProfileFit | undefined;
}

function budgetStates(points: readonly SweepPoint[]): BudgetState[] {
  const byBudget = new Map<number, SweepPoint[]>();
  for (const p of points) if (p.loss !== undefined) byBudget.set(p.budgetFlops, [...(byBudget.get(p.budgetFlops) ?? []), p]);
  return [...byBudget]
    .sort(([a], [b]) => a - b)
    .map(([budgetFlops, finished]) => ({
      budgetFlops,
      finished,
      profile:
        new Set(finished.map((p) => p.params)).size >= 3
          ? fitIsoFlopProfile(finished.map((p) => ({ params: p.params, loss: p.loss as number })))
          : undefined,
    }));
}

const clamp = (x: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, x));

/**
 * A run beyond the edge of an unbracketed profile, on the side with the lower loss: as far as the
 * parabola's vertex suggests, between a quarter and half of `spanDecades` (a far vertex of a flat
 * parabola is not to be trusted; a quarter span always makes progress).
 */
function bracketRequest(state: BudgetState, input: AdaptiveInput): RunRequest | undefined {
  const logs = state.finished.map((p) => Math.log10(p.params));
  const minX = Math.min(...logs);
  const maxX = Math.max(...logs);
  const lowest = state.finished.reduce((best, p) => ((p.loss as number) < (best.loss as number) ? p : best));
  const below = Math.log10(lowest.params) <= (minX + maxX) / 2;
  const edge = below ? minX : maxX;
  const vertex = state.profile?.vertexLog10Params;
  const towardVertex = vertex !== undefined && Number.isFinite(vertex) ? Math.abs(vertex - edge) : 0;
  const step = Math.min(input.spanDecades / 2, Math.max(input.spanDecades / 4, towardVertex));
  const [lo, hi] = input.feasible(state.budgetFlops);
  const wanted = below ? edge - step : edge + step;
  const candidate = clamp(wanted, [lo, hi]);
  // Nothing trainable beyond the edge: the budget stays unbracketed (the fit warns).
  if (below ? candidate >= edge - 0.01 : candidate <= edge + 0.01) return undefined;
  return { budgetFlops: state.budgetFlops, log10Params: candidate, why: 'bracket' };
}

/**
 * No vertex is known better than this (decades): a parabola in log N only approximates an IsoFLOP
 * profile, and that misfit does not average away with more runs. Without the floor the ranking would
 * keep refining cheap small budgets instead of adding the larger budget that shortens the extrapolation
 * (bench:adaptive: at 0.02 the planner adds budgets too early and loses to the fixed grid; without a floor
 * it stops on overconfident extrapolations from two small budgets).
 */
export const VERTEX_FLOOR_DECADES = 0.01;

/** Variance (decades²) of a profile's vertex, at least the floor; the profile fit's noise floor stands in for 3-point profiles. */
const vertexVariance = (state: BudgetState): number => {
  const se = state.profile?.vertexStdErrDecades ?? Number.POSITIVE_INFINITY;
  return Math.max(VERTEX_FLOOR_DECADES ** 2, Number.isFinite(se) && se > 0 ? se * se : 1);
};

/**
 * Variance of log10 N_opt predicted at log10 C = x by a weighted line through the vertices
 * (x_j, variance v_j): 1/Σw + (x − x̄)²/Σw(x_j − x̄)². This ranks the next step only; the stop rule uses
 * the real fit's bootstrap interval.
 */
export function predictionVariance(vertices: readonly { x: number; variance: number }[], x: number): number {
  if (vertices.length < 2) return Number.POSITIVE_INFINITY;
  const weights = vertices.map((v) => 1 / v.variance);
  const total = weights.reduce((s, w) => s + w, 0);
  const mean = vertices.reduce((s, v, i) => s + weights[i]! * v.x, 0) / total;
  const spread = vertices.reduce((s, v, i) => s + weights[i]! * (v.x - mean) ** 2, 0);
  if (!(spread > 0)) return Number.POSITIVE_INFINITY;
  return 1 / total + (x - mean) ** 2 / spread;
}

interface Option {
  readonly requests: RunRequest[];
  readonly cost: number;
  readonly gainPerFlop: number;
  readonly describe: string;
}

/**
 * Two runs at vertex ± max(0.1, span/2) decades: points on both flanks pin the vertex of a parabola
 * (at the vertex itself the loss does not move with its position). A size that exists already becomes a
 * replicate (the caller gives it a new seed), which averages down the noise of that point.
 */
function densifyRequests(state: BudgetState, input: AdaptiveInput): RunRequest[] {
  const logs = state.finished.map((p) => Math.log10(p.params));
  const range: [number, number] = [Math.min(...logs), Math.max(...logs)];
  const vertex = clamp(state.profile?.vertexLog10Params ?? (range[0] + range[1]) / 2, range);
  const offset = Math.max(0.1, input.spanDecades / 2);
  const feasible = input.feasible(state.budgetFlops);
  return [vertex - offset, vertex + offset].map((x) => ({
    budgetFlops: state.budgetFlops,
    log10Params: clamp(x, feasible),
    why: 'densify' as const,
  }));
}

function newBudgetRequests(budgetFlops: number, input: AdaptiveInput): RunRequest[] {
  const [lo, hi] = input.feasible(budgetFlops);
  const centre = input.centre(budgetFlops);
  const span = Math.min(input.spanDecades, hi - lo);
  const from = clamp(Number.isFinite(centre) ? centre - span / 2 : (lo + hi) / 2 - span / 2, [lo, hi - span]);
  const n = input.newBudgetSizes;
  return Array.from({ length: n }, (_, i) => ({
    budgetFlops,
    log10Params: from + (span * i) / Math.max(1, n - 1),
    why: 'new-budget' as const,
  }));
}

/**
 * Candidate next steps, best first, by the expected gain in prediction variance per FLOP
 * (`predictionVariance`): refining a budget's minimum (2 runs) or adding the next larger budget, which
 * also shortens the extrapolation to target.atFlops. The vertex floor keeps refinement from looking
 * better than it is.
 */
function rankOptions(states: readonly BudgetState[], input: AdaptiveInput): Option[] {
  const x = Math.log10(input.target.atFlops);
  const vertices = states
    .filter((s) => s.profile?.bracketed)
    .map((s) => ({ state: s, x: Math.log10(s.budgetFlops), variance: vertexVariance(s) }));
  const current = predictionVariance(vertices, x);
  const refine: Option[] = [];
  for (const vertex of vertices) {
    const n = vertex.state.finished.length;
    const improved = vertices.map((v) =>
      v === vertex ? { ...v, variance: Math.max(VERTEX_FLOOR_DECADES ** 2, (v.variance * n) / (n + 2)) } : v,
    );
    const requests = densifyRequests(vertex.state, input);
    const cost = requests.length * vertex.state.budgetFlops;
    const gain = Number.isFinite(current) ? current - predictionVariance(improved, x) : 0;
    refine.push({
      requests,
      cost,
      gainPerFlop: gain / cost,
      describe: `refine the minimum of budget ${vertex.state.budgetFlops.toExponential(2)} (2 runs on the flanks of its vertex)`,
    });
  }
  refine.sort((a, b) => b.gainPerFlop - a.gainPerFlop || a.cost - b.cost);
  const largest = Math.max(...states.map((s) => s.budgetFlops));
  const nextBudget = Math.min(input.target.atFlops, largest * (input.budgetStep ?? 4));
  if (nextBudget <= largest * 1.2) return refine;
  const requests = newBudgetRequests(nextBudget, input);
  const grow: Option = {
    requests,
    cost: requests.length * nextBudget,
    gainPerFlop: 0,
    describe: `add the budget ${nextBudget.toExponential(2)} (${requests.length} sizes)`,
  };
  // A new profile of newBudgetSizes runs is expected to pin its vertex as well as the existing ones do per run.
  const perRun = vertices.length ? vertices.reduce((sum, v) => sum + v.variance * v.state.finished.length, 0) / vertices.length : 1;
  const withNew = [
    ...vertices,
    { x: Math.log10(nextBudget), variance: Math.max(VERTEX_FLOOR_DECADES ** 2, perRun / input.newBudgetSizes) },
  ];
  const growGain = (current - predictionVariance(withNew, x)) / grow.cost;
  // Too few bracketed minima for a slope: only a new budget helps.
  if (vertices.length < 2 || !(growGain <= (refine[0]?.gainPerFlop ?? 0))) return [grow, ...refine];
  return [...refine, grow];
}

const pct = (fraction: number): string => `±${(100 * fraction).toFixed(fraction < 0.1 ? 1 : 0)}%`;

/**
 * The next step of an adaptive sweep:
 *  1. wait while runs are in flight (decisions use finished runs only);
 *  2. bracket: a budget whose IsoFLOP minimum lies outside its sizes gets a run beyond that edge;
 *  3. stop when the fit's N_opt interval at target.atFlops is within the target (`met`);
 *  4. otherwise take the step with the best expected precision gain per FLOP — two runs on the flanks of
 *     a budget's minimum (replicates where a size exists) or a new, larger budget;
 *  5. a step that would take the study past maxFlops is not taken (`capped`, with its cost and a rough
 *     estimate of what reaching the target would cost: interval width ∝ 1/√FLOPs).
 */
export function decideNextRuns(input: AdaptiveInput): AdaptiveDecision {
  const { spent, pending } = flopsOf(input.points);
  if (pending > 0) return { kind: 'wait', reason: `waiting for ${input.points.filter((p) => p.loss === undefined).length} runs in flight` };
  const remaining = (input.maxFlops ?? Number.POSITIVE_INFINITY) - spent;
  const states = budgetStates(input.points);
  const capped = (what: string, cost: number, estimatedMoreFlops?: number): AdaptiveDecision => ({
    kind: 'capped',
    reason: `${what}; the next step would cost ${cost.toExponential(2)} FLOPs but only ${Math.max(0, remaining).toExponential(2)} of maxFlops ${input.maxFlops?.toExponential(2)} are left (spent ${spent.toExponential(2)})${estimatedMoreFlops !== undefined ? `; reaching the target needs roughly ${estimatedMoreFlops.toExponential(1)} more FLOPs` : ''}`,
    nextStepFlops: cost,
    ...(estimatedMoreFlops !== undefined ? { estimatedMoreFlops } : {}),
  });

  const bracket = states.filter((s) => s.profile && !s.profile.bracketed).flatMap((s) => bracketRequest(s, input) ?? []);
  if (bracket.length > 0) {
    const cost = bracket.reduce((sum, r) => sum + r.budgetFlops, 0);
    const what = `the minima of ${bracket.length} budget(s) are not bracketed`;
    if (cost > remaining) return capped(what, cost);
    return { kind: 'run', requests: bracket, reason: `${what}: extending their sizes` };
  }

  const estimate = input.estimate;
  if (!estimate && input.noEstimateReason !== undefined) {
    const grow = rankOptions(states, input).find((o) => o.requests[0]?.why === 'new-budget');
    const what = `the fit gives no N_opt interval at ${input.target.atFlops.toExponential(2)} FLOPs (${input.noEstimateReason})`;
    if (!grow) return { kind: 'capped', reason: `${what}; no larger budget is left to add` };
    if (grow.cost > remaining) return capped(what, grow.cost);
    return { kind: 'run', requests: grow.requests, reason: `${what}: ${grow.describe}` };
  }
  if (!estimate) return { kind: 'wait', reason: 'waiting for a fit of the finished runs' };
  const achieved = achievedHalfWidth(estimate);
  const where = `N_opt at ${input.target.atFlops.toExponential(2)} FLOPs is ${estimate.nOpt.toPrecision(3)} [${estimate.lower.toPrecision(3)}, ${estimate.upper.toPrecision(3)}] (${pct(achieved)}, ${Math.round(input.target.level * 100)}% interval)`;
  if (achieved <= input.target.relativeHalfWidth)
    return { kind: 'met', reason: `${where}: within the target ${pct(input.target.relativeHalfWidth)}` };

  const unmet = `${where}, target ${pct(input.target.relativeHalfWidth)}`;
  const options = rankOptions(states, input);
  if (options.length === 0)
    return { kind: 'capped', reason: `${unmet}; no step can improve it (no bracketed minimum and no larger budget to add)` };
  const affordable = options.find((o) => o.cost <= remaining);
  if (!affordable) {
    const more = Math.max(0, spent * ((achieved / input.target.relativeHalfWidth) ** 2 - 1));
    return capped(unmet, Math.min(...options.map((o) => o.cost)), more);
  }
  return { kind: 'run', requests: affordable.requests, reason: `${unmet}: ${affordable.describe}` };
}
