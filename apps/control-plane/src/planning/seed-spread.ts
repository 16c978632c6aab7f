import { RunKind, RunState, type RunRecord, type SeedSpread } from '@scaleplan/contracts';
import { replicateStats, SEED_SPREAD_TARGET, summariseSeedSpread } from '@scaleplan/scaling-laws';
import { runParamsTotal } from './run-params.js';

/**
 * The seed-to-seed spread of final loss at the sweep sizes trained with more than one seed (the adaptive
 * planner's replicates, or a rerun with another seed): sample standard deviation ÷ mean, per (budget, size).
 * Undefined while no size has two succeeded seeds. This is the noise floor every IsoFLOP profile stands on.
 */
export function seedSpreadOf(runs: readonly RunRecord[]): SeedSpread | undefined {
  const groups = new Map<string, { budgetFlops: number; params: number; losses: number[] }>();
  for (const run of runs) {
    const loss = run.outcome?.finalLoss;
    if (run.kind !== RunKind.Sweep || run.state !== RunState.Succeeded || loss === undefined || !Number.isFinite(loss)) continue;
    const params = runParamsTotal(run);
    const key = `${run.budgetFlops}|${params}`;
    const group = groups.get(key) ?? { budgetFlops: run.budgetFlops, params, losses: [] };
    group.losses.push(loss);
    groups.set(key, group);
  }
  const points = [...groups.values()].map((g) => {
    const { mean, std } = replicateStats(g.losses);
    return { budgetFlops: g.budgetFlops, params: g.params, seeds: g.losses.length, relativeStd: std / mean };
  });
  const summary = summariseSeedSpread(points);
  if (!summary) return undefined;
  return {
    sizes: points.length,
    replicatedSizes: summary.replicated.length,
    medianRelativeStd: summary.median,
    maxRelativeStd: summary.worst.relativeStd,
    worst: summary.worst,
    target: SEED_SPREAD_TARGET,
    met: summary.met,
  };
}
