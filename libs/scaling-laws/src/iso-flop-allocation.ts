import { ScalingLawError } from './errors.js';
import { checkLossLaw, checkPositive, predictLoss, type Allocation, type LossLaw } from './loss-law.js';

/** Training FLOPs per token of a model with `params` parameters (6·N for the usual convention). */
export type FlopsPerToken = (params: number) => number;

/** Relative step for the numerical elasticity d ln(flopsPerToken) / d ln N. */
const ELASTICITY_STEP = 1e-5;
const MAX_BISECTIONS = 400;

/**
 * Loss-minimising split of `flops` along the IsoFLOP curve flopsPerToken(N)·D = C, for any FLOP
 * model (e.g. `trainingFlopsPerToken` of a shape family, or 6·N). Solves dL/d ln N = 0 along the
 * curve by bisection in ln N, which pins the minimum to ~1e-15 in ln N (minimising L itself could
 * only locate it to ~1e-8, the square root of machine precision). Requires flopsPerToken to be
 * increasing in N, which every transformer FLOP count is.
 */
export function computeIsoFlopAllocation(law: LossLaw, flops: number, flopsPerToken: FlopsPerToken): Allocation {
  checkLossLaw(law);
  checkPositive(flops, 'flops');
  const tokensAt = (logParams: number): number => flops / flopsPerToken(Math.exp(logParams));
  // dL/d ln N along the curve: −αA·N^−α + βB·D^−β·ε(N), with ε = d ln(flopsPerToken)/d ln N.
  const slope = (logParams: number): number => {
    const params = Math.exp(logParams);
    const tokens = tokensAt(logParams);
    const elasticity =
      (Math.log(flopsPerToken(Math.exp(logParams + ELASTICITY_STEP))) - Math.log(flopsPerToken(Math.exp(logParams - ELASTICITY_STEP)))) /
      (2 * ELASTICITY_STEP);
    return (
      -law.paramExponent * law.paramCoeff * params ** -law.paramExponent +
      law.dataExponent * law.dataCoeff * tokens ** -law.dataExponent * elasticity
    );
  };
  let low = 0; // N = 1
  if (!(tokensAt(low) > 1))
    throw new ScalingLawError('InvalidOption', `flops ${flops} is too small to train even a 1-parameter model on 1 token`);
  let high = 1;
  while (tokensAt(high) > 1) {
    high *= 2;
    if (high > 700)
      throw new ScalingLawError('InvalidOption', 'flopsPerToken(N) must grow with N; it stayed below the budget up to N = 1e300');
  }
  if (!(slope(low) < 0 && slope(high) > 0)) {
    throw new ScalingLawError('NoMinimum', `the loss has no interior minimum along the IsoFLOP curve of ${flops} FLOPs`);
  }
  for (let i = 0; i < MAX_BISECTIONS && high - low > 1e-15 * Math.max(1, Math.abs(high)); i++) {
    const mid = 0.5 * (low + high);
    if (slope(mid) < 0) low = mid;
    else high = mid;
  }
  const logParams = 0.5 * (low + high);
  const params = Math.exp(logParams);
  const tokens = tokensAt(logParams);
  return { params, tokens, flops, loss: predictLoss(law, params, tokens), tokensPerParam: tokens / params };
}
