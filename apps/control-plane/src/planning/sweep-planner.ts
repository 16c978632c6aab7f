import {
  logSpacedBudgets,
  ResourceKind,
  RunKind,
  RunState,
  SweepMode,
  TRAINING_CURVE_DEFAULTS,
  type ObjectRef,
  type RunRecord,
  type ScalingLawSpec,
} from '@scaleplan/contracts';
import { fitIsoFlopProfile, type ProfileFit } from './iso-flop-profile.js';
import { plannedShapeOf, planShape, smallestRun, type ModelSettings, type PlannedShape } from './model-shapes.js';
import { plannedParamsTotal, runParamsTotal } from './run-params.js';

type SweepSpec = NonNullable<ScalingLawSpec['sweep']>;

/** z of the central 80% interval (the paper's 10th–90th percentiles). */
const Z80 = 1.2816;

/** IsoFLOP budgets of a sweep: the list, or `count` log-spaced values from min to max. */
export function resolveBudgets(sweep: SweepSpec): number[] {
  if (sweep.budgets) return [...sweep.budgets].sort((a, b) => a - b);
  return sweep.budgetRange ? logSpacedBudgets(sweep.budgetRange) : [];
}

/** Run id of a sweep point: budget and exact total N, so re-planning the same point gives the same id. */
export const sweepRunId = (budgetFlops: number, paramsTotal: number): string =>
  `c${budgetFlops.toExponential(2).replace('+', '')}-n${paramsTotal}`;

/** Why a budget cannot be run, for the 400 message and the status. */
export function budgetTooSmallReason(budgetFlops: number, model: ModelSettings): string | undefined {
  const smallest = smallestRun(model);
  if (budgetFlops >= smallest.minimumFlops) return undefined;
  return (
    `budget ${budgetFlops.toExponential(3)} FLOPs is below the smallest run: the smallest model (N=${smallest.paramsTotal} total) ` +
    `needs ${smallest.minimumTokens} tokens for one batch = ${smallest.minimumFlops.toExponential(3)} FLOPs`
  );
}

/** The feasible log10 N (total) range of one budget: from the smallest model to the largest that still gets one batch. */
export function feasibleRange(budgetFlops: number, model: ModelSettings): [number, number] {
  const smallest = smallestRun(model);
  let lo = Math.log10(smallest.paramsTotal);
  // A token costs 6·N and a run needs ≥ one batch (which only grows with N): nothing above C / (6 · batch) fits.
  let hi = Math.max(lo, Math.log10(budgetFlops / (6 * smallest.minimumTokens)));
  const fits = (log10N: number): boolean => {
    try {
      const shape = planShape(10 ** log10N, model);
      return budgetFlops / shape.flopsPerToken >= shape.minimumTokens;
    } catch {
      return false;
    }
  };
  if (!fits(lo)) return [lo, lo];
  if (fits(hi)) return [Math.log10(smallest.paramsTotal), hi];
  // 20 halvings: ~1e-5 decade, far below the spacing of any sweep.
  for (let i = 0; i < 20; i++) {
    const mid = (lo + hi) / 2;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return [Math.log10(smallest.paramsTotal), lo];
}

/** Inputs of the sweep planner. */
export interface SweepPlanInput {
  readonly owner: ObjectRef;
  readonly sweep: SweepSpec;
  readonly model: ModelSettings;
  /** Current estimate of N_opt(C), total parameters: the law's latest fit, else a preset prior. */
  readonly centerParams: (budgetFlops: number) => number;
  readonly now: string;
}

/** A plan: new runs, budgets refused with the reason, and warnings for humans. */
export interface SweepPlan {
  readonly runs: RunRecord[];
  readonly refused: { budgetFlops: number; reason: string }[];
  readonly warnings: string[];
}

/**
 * A planned sweep run. `replicate` k > 0 is the same point trained again with seed + k (the planner
 * replicates noisy points); its id gets `-r<k>`.
 */
export function recordFor(input: SweepPlanInput, budgetFlops: number, planned: PlannedShape, replicate = 0): RunRecord {
  return {
    runId: `${sweepRunId(budgetFlops, planned.paramsTotal)}${replicate > 0 ? `-r${replicate}` : ''}`,
    owner: input.owner,
    ownerKind: ResourceKind.ScalingLaw,
    kind: RunKind.Sweep,
    budgetFlops,
    params: planned.params,
    paramsTotal: planned.paramsTotal,
    tokens: Math.floor(budgetFlops / planned.flopsPerToken),
    shape: planned.shape,
    seed: input.sweep.seed + replicate,
    state: RunState.Planned,
    attempts: 0,
    simulated: input.sweep.simulate !== undefined,
    plannedAt: input.now,
  };
}

/**
 * IsoFLOP sweep plan (Hoffmann et al. 2022 §3.2): for each budget C, `sizesPerBudget` model sizes
 * log-spaced over `spanDecades` (≥ 1, i.e. ±0.5 decade) centred on the current N_opt estimate, shifted
 * to stay within what the budget can train (at least one batch per run). N is the shape's exact total
 * parameter count and D = C / (6·N), the accounting of Chinchilla and its presets (docs/worker.md,
 * "Parameter and FLOP accounting"). Budgets below the smallest run are refused with the reason.
 */
export function planIsoFlopSweep(input: SweepPlanInput): SweepPlan {
  const runs: RunRecord[] = [];
  const refused: SweepPlan['refused'] = [];
  const warnings: string[] = [];
  const { sizesPerBudget, spanDecades } = input.sweep;
  for (const budgetFlops of resolveBudgets(input.sweep)) {
    const tooSmall = budgetTooSmallReason(budgetFlops, input.model);
    if (tooSmall) {
      refused.push({ budgetFlops, reason: tooSmall });
      continue;
    }
    const [lo, hi] = feasibleRange(budgetFlops, input.model);
    let centre = Math.log10(input.centerParams(budgetFlops));
    if (!Number.isFinite(centre)) centre = (lo + hi) / 2;
    let from = centre - spanDecades / 2;
    let to = centre + spanDecades / 2;
    if (to - from > hi - lo) {
      from = lo;
      to = hi;
      warnings.push(
        `budget ${budgetFlops.toExponential(2)}: only ${(hi - lo).toFixed(2)} decades of model size are trainable, less than spanDecades=${spanDecades}`,
      );
    } else if (from < lo) {
      to += lo - from;
      from = lo;
    } else if (to > hi) {
      from -= to - hi;
      to = hi;
    }
    const seen = new Set<number>();
    for (let i = 0; i < sizesPerBudget; i++) {
      const log10N = sizesPerBudget === 1 ? centre : from + ((to - from) * i) / (sizesPerBudget - 1);
      const planned = planShape(10 ** log10N, input.model);
      if (seen.has(planned.paramsTotal) || budgetFlops / planned.flopsPerToken < planned.minimumTokens) continue;
      seen.add(planned.paramsTotal);
      runs.push(recordFor(input, budgetFlops, planned));
    }
    if (seen.size < 3)
      warnings.push(`budget ${budgetFlops.toExponential(2)}: only ${seen.size} distinct model sizes fit, a parabola needs 3`);
  }
  if (input.sweep.mode === SweepMode.TrainingCurves) runs.push(...shorterRuns(input, runs, warnings));
  return { runs, refused, warnings };
}

/**
 * training-curves mode (Hoffmann et al. 2022, Approach 1: each size trained with 4 cosine schedules
 * spanning 16× in tokens): every IsoFLOP run (budget C) gets `lengths − 1` shorter siblings, each a run of
 * its own with a schedule matched to its length, down to C/ratio. The lengths in between are staggered by
 * the size's rank (size i of S moves them up by i/S of a step), so run ends interleave in FLOPs: the
 * lowest-loss envelope is then taken near the end of some run almost everywhere, instead of mid-run
 * between a few shared lengths. The C and C/ratio runs of all sizes share their budgets, so they form
 * IsoFLOP profiles for Approaches 2 and 3; the staggered ones are single-size budgets those skip.
 */
function shorterRuns(input: SweepPlanInput, longest: readonly RunRecord[], warnings: string[]): RunRecord[] {
  const lengths = input.sweep.lengths ?? TRAINING_CURVE_DEFAULTS.lengths;
  const lengthRatio = input.sweep.lengthRatio ?? TRAINING_CURVE_DEFAULTS.lengthRatio;
  const ids = new Set(longest.map((r) => r.runId));
  const runs: RunRecord[] = [];
  let tooShort = 0;
  for (const run of longest) {
    const planned = plannedShapeOf(run.shape);
    const sizes = longest
      .filter((r) => r.budgetFlops === run.budgetFlops)
      .map(plannedParamsTotal)
      .sort((a, b) => a - b);
    const stagger = sizes.indexOf(plannedParamsTotal(run)) / sizes.length;
    for (let k = 1; k < lengths; k++) {
      // The shortest run is C/ratio for every size; the lengths between are staggered by size.
      const budgetFlops = run.budgetFlops * lengthRatio ** (-(k === lengths - 1 ? k : k - stagger) / (lengths - 1));
      if (budgetFlops / planned.flopsPerToken < planned.minimumTokens) {
        tooShort++;
        continue;
      }
      const record = recordFor(input, budgetFlops, planned);
      if (ids.has(record.runId)) continue;
      ids.add(record.runId);
      runs.push(record);
    }
  }
  if (tooShort > 0) warnings.push(`training-curves: ${tooShort} shorter runs left out (below one batch)`);
  return runs;
}

/** Per-budget profile fits over succeeded, non-diverged runs. */
export function fitProfiles(runs: readonly RunRecord[]): Map<number, ProfileFit | undefined> {
  const byBudget = new Map<number, RunRecord[]>();
  for (const run of runs) {
    if (run.kind !== RunKind.Sweep || run.state !== RunState.Succeeded || run.outcome?.finalLoss === undefined) continue;
    byBudget.set(run.budgetFlops, [...(byBudget.get(run.budgetFlops) ?? []), run]);
  }
  return new Map(
    [...byBudget].map(([budget, budgetRuns]) => [
      budget,
      fitIsoFlopProfile(budgetRuns.map((r) => ({ params: runParamsTotal(r), loss: r.outcome?.finalLoss as number }))),
    ]),
  );
}

/**
 * Adaptive placement (one new run per budget per round, once all of the budget's runs have finished):
 *  1. Fit the budget's parabola (loss vs log10 N) and the standard error of its vertex.
 *  2. Not bracketed (vertex outside the sizes run, or no upward curvature): add a run a quarter of the
 *     span beyond the edge with the lower loss.
 *  3. Bracketed but the 80% interval of N_opt, (hi − lo)/N_opt, is above `targetRelativeInterval`:
 *     add a run at the vertex if none lies within 0.05 decade of it, else at vertex ± max(0.05, 1.28·se)
 *     on the side with fewer runs — points near the minimum sharpen its curvature, which is what the
 *     vertex error depends on.
 *  4. Stop at `maxRunsPerBudget` runs or when the interval is below the target.
 */
export function planAdaptiveRuns(input: SweepPlanInput, existing: readonly RunRecord[]): RunRecord[] {
  const adaptive = input.sweep.adaptive;
  // A precision target has its own planner (sweep-target.ts), which also brackets minima.
  if (!adaptive?.enabled || input.sweep.target) return [];
  const additions: RunRecord[] = [];
  const profiles = fitProfiles(existing);
  for (const budgetFlops of resolveBudgets(input.sweep)) {
    const budgetRuns = existing.filter((r) => r.kind === RunKind.Sweep && r.budgetFlops === budgetFlops);
    if (budgetRuns.length === 0 || budgetRuns.length >= adaptive.maxRunsPerBudget) continue;
    if (budgetRuns.some((r) => r.state === RunState.Planned || r.state === RunState.Queued || r.state === RunState.Running)) continue;
    const profile = profiles.get(budgetFlops);
    const succeeded = budgetRuns.filter((r) => r.state === RunState.Succeeded && r.outcome?.finalLoss !== undefined);
    if (!profile || succeeded.length < 3) continue;
    const logs = succeeded.map((r) => Math.log10(runParamsTotal(r)));
    const [lo, hi] = feasibleRange(budgetFlops, input.model);
    const candidates: number[] = [];
    if (!profile.bracketed) {
      const lowest = succeeded.reduce((best, r) => ((r.outcome?.finalLoss as number) < (best.outcome?.finalLoss as number) ? r : best));
      const step = input.sweep.spanDecades / 4;
      const edge =
        Math.log10(runParamsTotal(lowest)) <= (Math.min(...logs) + Math.max(...logs)) / 2
          ? Math.min(...logs) - step
          : Math.max(...logs) + step;
      candidates.push(edge);
    } else {
      const se = profile.vertexStdErrDecades;
      const relative = 10 ** (Z80 * se) - 10 ** (-Z80 * se);
      if (relative <= adaptive.targetRelativeInterval) continue;
      const v = profile.vertexLog10Params;
      const offset = Math.max(0.05, Z80 * se);
      const below = logs.filter((x) => x < v).length;
      const above = logs.length - below;
      if (!logs.some((x) => Math.abs(x - v) < 0.05)) candidates.push(v);
      candidates.push(below <= above ? v - offset : v + offset, below <= above ? v + offset : v - offset);
    }
    const taken = new Set(budgetRuns.map(plannedParamsTotal));
    for (const candidate of candidates) {
      if (candidate < lo || candidate > hi) continue;
      const planned = planShape(10 ** candidate, input.model);
      if (taken.has(planned.paramsTotal) || budgetFlops / planned.flopsPerToken < planned.minimumTokens) continue;
      additions.push(recordFor(input, budgetFlops, planned));
      break;
    }
  }
  return additions;
}
