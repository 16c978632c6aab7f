import { ScalingLawError } from '../errors.js';
import { checkObservations, describeRow, type LossObservation } from '../observations.js';
import { fitPowerLaws, type PowerLawMapping } from '../power-law.js';
import { FLOPS_PER_PARAM_TOKEN } from '../transformer-flops.js';
import { BUDGET_BANDWIDTH_DEX, groupByBudget } from './budget-grouping.js';
import { fitIsoFlopParabola, type IsoFlopParabola } from './iso-flop-parabola.js';
import { fitLossFrontier } from './loss-frontier.js';

/** Options of `fitApproach2`. */
export interface Approach2Options {
  /** mean-shift bandwidth (decades of 6ND) that groups runs without budgetFlops. @default BUDGET_BANDWIDTH_DEX (0.05) */
  readonly budgetBandwidthDex?: number;
  /**
   * What to do with a budget that has fewer than 3 distinct model sizes: 'error' throws
   * `TooFewSizes` naming its rows; 'skip' leaves it out with a warning. @default 'error' when the
   * runs carry budgetFlops (a sweep-design mistake), 'skip' when budgets were found by clustering
   * (stray runs between budgets form small clusters)
   */
  readonly smallBudgets?: 'error' | 'skip';
}

/** Result of an Approach-2 fit. */
export interface Approach2Fit {
  readonly method: 'approach2';
  /** N_opt = k_N·C^a, D_opt = k_D·C^b through the parabola minima, and the loss frontier L*(C) through them */
  readonly mapping: PowerLawMapping;
  /** every budget's parabola, also those left out of the power-law fit (no minimum) */
  readonly parabolas: readonly IsoFlopParabola[];
  /** sum of squared ln-residuals of the power-law fit */
  readonly objective: number;
  /** closed-form least squares: 0 */
  readonly iterations: number;
  readonly converged: boolean;
  readonly warnings: readonly string[];
}

const MIN_SIZES = 3;

/**
 * Approach 2 of Hoffmann et al. 2022 (§3.2): per IsoFLOP budget a parabola of loss in ln N, its
 * vertex N*(C), then power laws N_opt ∝ C^a and D_opt = C/(6·N*) ∝ C^b through the vertices, and the compute
 * frontier L*(C) = k·C^(−γ) through their losses (the predicted loss of an allocation; `fitLossFrontier`).
 * A vertex outside the sampled sizes is an extrapolation (the commonest sweep mistake): it is used,
 * with a warning.
 */
export function fitApproach2(observations: readonly LossObservation[], options: Approach2Options = {}): Approach2Fit {
  checkObservations(observations, 2 * MIN_SIZES, 'Approach 2');
  const groups = groupByBudget(observations, options.budgetBandwidthDex ?? BUDGET_BANDWIDTH_DEX);
  const smallBudgets = options.smallBudgets ?? (groups[0]?.explicit ? 'error' : 'skip');
  if (smallBudgets !== 'error' && smallBudgets !== 'skip')
    throw new ScalingLawError('InvalidOption', `smallBudgets must be 'error' or 'skip', got ${String(smallBudgets)}`);
  const warnings: string[] = [];
  const parabolas: IsoFlopParabola[] = [];
  for (const group of groups) {
    const params = group.rows.map((i) => observations[i]!.params);
    if (new Set(params).size < MIN_SIZES) {
      const rows = group.rows.map((i) => describeRow(i, observations[i]!.runId)).join(', ');
      const message = `budget ${group.flops.toExponential(3)} FLOPs has ${new Set(params).size} distinct model size(s) (${rows}); a parabola needs at least ${MIN_SIZES}`;
      if (smallBudgets === 'error') throw new ScalingLawError('TooFewSizes', message);
      warnings.push(`skipped ${message}`);
      continue;
    }
    const parabola = fitIsoFlopParabola(
      group.flops,
      params,
      group.rows.map((i) => observations[i]!.loss),
    );
    parabolas.push(parabola);
    if (parabola.minimumParams === null)
      warnings.push(`budget ${group.flops.toExponential(3)} FLOPs: the parabola opens downwards (no minimum); left out`);
    else if (!parabola.bracketed) {
      warnings.push(
        `budget ${group.flops.toExponential(3)} FLOPs: the minimum N = ${parabola.minimumParams.toExponential(3)} lies outside the sampled sizes ` +
          `${parabola.sampledParams.min.toExponential(3)}…${parabola.sampledParams.max.toExponential(3)}; extend the sweep`,
      );
    }
  }
  const minima = parabolas
    .filter((p) => p.minimumParams !== null)
    .map((p) => ({ flops: p.flops, params: p.minimumParams!, tokens: p.flops / (FLOPS_PER_PARAM_TOKEN * p.minimumParams!) }));
  if (minima.length < 2) {
    throw new ScalingLawError(
      'TooFewBudgets',
      `Approach 2 needs at least 2 budgets with a parabola minimum, got ${minima.length} (of ${groups.length} budgets)`,
    );
  }
  const fit = fitPowerLaws(minima);
  let mapping: PowerLawMapping = fit.mapping;
  try {
    const { coeff, exponent } = fitLossFrontier(parabolas);
    mapping = { ...mapping, lossFrontier: { coeff, exponent } };
  } catch (error) {
    if (!(error instanceof ScalingLawError)) throw error;
    warnings.push(`no loss prediction: ${error.message}`);
  }
  return {
    method: 'approach2',
    mapping,
    parabolas,
    objective: fit.residualSumOfSquares,
    iterations: 0,
    converged: true,
    warnings,
  };
}
