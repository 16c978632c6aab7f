import { ScalingLawError } from '../errors.js';
import type { LossObservation } from '../observations.js';
import type { RandomSource } from '../random.js';
import { BUDGET_BANDWIDTH_DEX, groupByBudget } from './budget-grouping.js';
import type { IsoFlopParabola } from './iso-flop-parabola.js';

const PARABOLA_COEFFICIENTS = 3;

/**
 * Residual resampling for Approach 2 on a designed sweep (fixed sizes per budget): each replicate keeps every
 * run's N, D and budget and replaces its loss by its budget parabola's fitted value (from the full-data fit's
 * `parabolas`) times (1 + r), r drawn with
 * replacement from the pooled relative residuals of all budgets, inflated by √(n / (n − 3·budgets)) because
 * fitted residuals are smaller than the noise (Davison & Hinkley 1997, §6.2.3).
 *
 * Why not resample runs: with five sizes per budget a resample of the runs loses a budget's third size about
 * a quarter of the time, so most replicates of a four-budget sweep cannot be fitted (bench:science: 290 of
 * 400), and the ones that can are a biased subset. Residuals keep the design and resample only the noise.
 * Budgets with fewer than 3 sizes (and runs outside any budget) keep their losses.
 */
export function residualResampler(
  observations: readonly LossObservation[],
  parabolas: readonly IsoFlopParabola[],
  bandwidthDex: number = BUDGET_BANDWIDTH_DEX,
): (random: RandomSource) => LossObservation[] {
  const fitted = new Float64Array(observations.length).fill(Number.NaN);
  const residuals: number[] = [];
  let budgets = 0;
  for (const group of groupByBudget(observations, bandwidthDex)) {
    // The full-data fit's parabola of this budget (budgets with fewer than 3 sizes have none).
    const parabola = parabolas.find((p) => p.flops === group.flops);
    if (!parabola) continue;
    const { c0, c1, c2 } = parabola.coefficients;
    budgets += 1;
    for (const i of group.rows) {
      const x = Math.log(observations[i]!.params);
      fitted[i] = c0 + c1 * x + c2 * x * x;
      residuals.push(observations[i]!.loss / fitted[i]! - 1);
    }
  }
  const freedom = residuals.length - PARABOLA_COEFFICIENTS * budgets;
  if (freedom < 1)
    throw new ScalingLawError(
      'TooFewObservations',
      `residual resampling needs more runs than 3 per budget to measure the noise: ${residuals.length} runs in ${budgets} budgets`,
    );
  const inflation = Math.sqrt(residuals.length / freedom);
  return (random) =>
    observations.map((o, i) =>
      Number.isNaN(fitted[i]!) ? o : { ...o, loss: fitted[i]! * (1 + inflation * residuals[Math.floor(random() * residuals.length)]!) },
    );
}
