import { ScalingLawError } from '../errors.js';
import type { LossObservation } from '../observations.js';
import { FLOPS_PER_PARAM_TOKEN } from '../transformer-flops.js';

/** Runs of one IsoFLOP budget. */
export interface BudgetGroup {
  /** true when the budget came from runs' budgetFlops, false when it was found by clustering */
  readonly explicit: boolean;
  /** the budget, FLOPs: the given budgetFlops, or the geometric mean of 6·N·D over the cluster */
  readonly flops: number;
  /** indices into the observations */
  readonly rows: readonly number[];
}

/**
 * Clustering rule when runs carry no budgetFlops: mean-shift on log10(6·N·D) with a Gaussian kernel
 * of this bandwidth (decades). Each run climbs to the nearest peak of the kernel density of budgets;
 * runs that reach the same peak form one budget. Unlike gap splitting it does not chain neighbouring
 * budgets together through stray runs. Sweeps space budgets ≥ 0.17 dex apart (6e18, 1e19, 3e19, …).
 */
export const BUDGET_BANDWIDTH_DEX = 0.05;

/**
 * Groups runs into IsoFLOP budgets: by `budgetFlops` when every run has one, else by mean-shift
 * clustering of log10(6·N·D) (BUDGET_BANDWIDTH_DEX); a cluster's budget is the geometric mean of its
 * runs' 6·N·D. Mixing runs with and without budgetFlops is refused.
 */
export function groupByBudget(observations: readonly LossObservation[], bandwidthDex = BUDGET_BANDWIDTH_DEX): BudgetGroup[] {
  const withBudget = observations.filter((o) => o.budgetFlops !== undefined).length;
  if (withBudget > 0 && withBudget < observations.length) {
    const missing = observations.findIndex((o) => o.budgetFlops === undefined);
    throw new ScalingLawError('InvalidOption', `row ${missing} has no budgetFlops while others do; give it to every run or to none`);
  }
  if (withBudget > 0) {
    const groups = new Map<number, number[]>();
    observations.forEach((o, i) => {
      const rows = groups.get(o.budgetFlops!) ?? [];
      rows.push(i);
      groups.set(o.budgetFlops!, rows);
    });
    return [...groups.entries()].sort((p, q) => p[0] - q[0]).map(([flops, rows]) => ({ explicit: true, flops, rows }));
  }
  if (!(bandwidthDex > 0)) throw new ScalingLawError('InvalidOption', `bandwidthDex must be > 0, got ${bandwidthDex}`);
  const logC = observations.map((o) => Math.log10(FLOPS_PER_PARAM_TOKEN * o.params * o.tokens));
  const inv2h2 = 1 / (2 * bandwidthDex * bandwidthDex);
  const modes = logC.map((start) => {
    let x = start;
    for (let iteration = 0; iteration < 500; iteration++) {
      let weightSum = 0;
      let weighted = 0;
      for (const c of logC) {
        const w = Math.exp(-(c - x) * (c - x) * inv2h2);
        weightSum += w;
        weighted += w * c;
      }
      const next = weighted / weightSum;
      if (Math.abs(next - x) < 1e-9 * bandwidthDex) return next;
      x = next;
    }
    return x;
  });
  const order = modes.map((mode, i) => ({ mode, i })).sort((p, q) => p.mode - q.mode);
  const groups: BudgetGroup[] = [];
  let current: typeof order = [];
  const close = () => {
    if (current.length === 0) return;
    const meanLogC = current.reduce((sum, r) => sum + logC[r.i]!, 0) / current.length;
    groups.push({ explicit: false, flops: 10 ** meanLogC, rows: current.map((r) => r.i).sort((p, q) => p - q) });
    current = [];
  };
  for (const row of order) {
    // Runs that climbed to the same peak agree to far below the bandwidth.
    if (current.length > 0 && row.mode - current[current.length - 1]!.mode > 0.01 * bandwidthDex) close();
    current.push(row);
  }
  close();
  return groups;
}
