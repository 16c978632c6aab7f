import { RunKind, RunState, type RunRecord, type SeedSpread } from '@scaleplan/contracts';
import { runParamsTotal } from './run-params.js';

/** Issue 11's recipe target: the final loss of one size varies by less than 0.5% from seed to seed. */
export const SEED_SPREAD_TARGET = 0.005;

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
  const replicated = [...groups.values()]
    .filter((g) => g.losses.length >= 2)
    .map((g) => {
      const mean = g.losses.reduce((a, b) => a + b, 0) / g.losses.length;
      const variance = g.losses.reduce((a, b) => a + (b - mean) ** 2, 0) / (g.losses.length - 1);
      return { budgetFlops: g.budgetFlops, params: g.params, seeds: g.losses.length, relativeStd: Math.sqrt(variance) / mean };
    });
  if (replicated.length === 0) return undefined;
  const sorted = replicated.map((r) => r.relativeStd).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const worst = replicated.reduce((a, b) => (b.relativeStd > a.relativeStd ? b : a));
  return {
    sizes: groups.size,
    replicatedSizes: replicated.length,
    medianRelativeStd: sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2,
    maxRelativeStd: worst.relativeStd,
    worst,
    target: SEED_SPREAD_TARGET,
    met: worst.relativeStd < SEED_SPREAD_TARGET,
  };
}
