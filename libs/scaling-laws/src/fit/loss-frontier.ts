import { ScalingLawError } from '../errors.js';
import { fitLine, type LossFrontier } from '../power-law.js';
import type { IsoFlopParabola } from './iso-flop-parabola.js';

/**
 * Why the frontier has no floor: a small-scale sweep (CPU models of 5K–100K parameters) is still in its fast early
 * descent, where the floor E of L = E + A/N^α + B/D^β is not identifiable and a fitted E flattens the extrapolation
 * (bench:science measured Approach 3 over-predicting a 4× held-out budget by 10.8%, docs/worker.md). Over a few
 * doublings of C a pure power law through the measured minima is the smaller assumption; far beyond them, a law
 * with a floor would flatten and the frontier under-predicts (loss-frontier.spec). It predicts the loss of the
 * allocated model only; Approach 2's mapping says which model that is.
 */
export interface FittedLossFrontier extends LossFrontier {
  /** budgets whose vertex the line went through */
  readonly budgets: number;
  /** sum of squared residuals of ln L* */
  readonly residualSumOfSquares: number;
}

/** Least squares of ln L*(C) on ln C through every parabola with a minimum; needs ≥ 2 such budgets. */
export function fitLossFrontier(parabolas: readonly IsoFlopParabola[]): FittedLossFrontier {
  const vertices = parabolas.filter((p) => p.minimumLoss !== null && p.minimumLoss > 0);
  if (vertices.length < 2)
    throw new ScalingLawError(
      'TooFewObservations',
      `the loss frontier needs the minima of at least 2 budgets, got ${vertices.length} of ${parabolas.length}`,
    );
  const line = fitLine(
    vertices.map((p) => Math.log(p.flops)),
    vertices.map((p) => Math.log(p.minimumLoss!)),
  );
  return {
    coeff: Math.exp(line.intercept),
    exponent: -line.slope,
    budgets: vertices.length,
    residualSumOfSquares: line.residualSumOfSquares,
  };
}
