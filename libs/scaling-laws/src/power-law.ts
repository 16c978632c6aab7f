import { ScalingLawError } from './errors.js';
import { checkPositive, frontierExponents, type Allocation, type LossLaw } from './loss-law.js';
import { FLOPS_PER_PARAM_TOKEN } from './transformer-flops.js';

/**
 * The compute frontier of an IsoFLOP sweep: the lowest loss reachable at budget C, L*(C) = k·C^(−γ), through the
 * parabola vertices' losses (the form of Kaplan et al. 2020 eq. 1.4, L(C_min); no irreducible floor). Fitted by
 * `fitLossFrontier` (fit/loss-frontier.ts), which says why there is no floor.
 */
export interface LossFrontier {
  /** k */
  readonly coeff: number;
  /** γ: the loss falls by a factor 2^−γ per doubling of C */
  readonly exponent: number;
}

/** L*(C) of a frontier. */
export const frontierLoss = (frontier: LossFrontier, flops: number): number => frontier.coeff * flops ** -frontier.exponent;

/** Allocation mapping of Approaches 1 and 2: N_opt = k_N·C^a and D_opt = k_D·C^b (C in FLOPs). */
export interface PowerLawMapping {
  /** k_N */
  readonly paramCoeff: number;
  /** a */
  readonly paramExponent: number;
  /** k_D */
  readonly tokenCoeff: number;
  /** b */
  readonly tokenExponent: number;
  /** Approach 2's compute frontier through the same vertices: the predicted loss of the allocation (absent: none) */
  readonly lossFrontier?: LossFrontier;
}

/** Straight line y = intercept + slope·x fitted by ordinary least squares. */
export interface LineFit {
  readonly slope: number;
  readonly intercept: number;
  /** sum of squared residuals */
  readonly residualSumOfSquares: number;
}

/** Ordinary least-squares line through (x, y); needs ≥ 2 distinct x. */
export function fitLine(x: ArrayLike<number>, y: ArrayLike<number>): LineFit {
  const n = x.length;
  if (n !== y.length) throw new ScalingLawError('InvalidOption', `x and y differ in length (${n} vs ${y.length})`);
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i]!;
    meanY += y[i]!;
  }
  meanX /= n;
  meanY /= n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i]! - meanX) ** 2;
    sxy += (x[i]! - meanX) * (y[i]! - meanY);
  }
  if (!(sxx > 0))
    throw new ScalingLawError('TooFewObservations', `a line fit needs at least 2 distinct x values, got ${n} point(s) with one x`);
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let residualSumOfSquares = 0;
  for (let i = 0; i < n; i++) residualSumOfSquares += (y[i]! - intercept - slope * x[i]!) ** 2;
  return { slope, intercept, residualSumOfSquares };
}

/** A power-law mapping with its goodness of fit (log-space least squares). */
export interface PowerLawFit {
  readonly mapping: PowerLawMapping;
  /** sum of squared residuals of ln N_opt and ln D_opt together */
  readonly residualSumOfSquares: number;
}

/**
 * Power laws N = k_N·C^a and D = k_D·C^b by least squares on ln N and ln D against ln C
 * (the fit of Hoffmann et al. 2022 §3.1–3.2 through the optimal points).
 */
export function fitPowerLaws(points: readonly { readonly flops: number; readonly params: number; readonly tokens: number }[]): PowerLawFit {
  if (points.length < 2) throw new ScalingLawError('TooFewObservations', `power laws need at least 2 optimal points, got ${points.length}`);
  points.forEach((p, i) => {
    checkPositive(p.flops, `point ${i} flops`);
    checkPositive(p.params, `point ${i} params`);
    checkPositive(p.tokens, `point ${i} tokens`);
  });
  const logC = points.map((p) => Math.log(p.flops));
  const n = fitLine(
    logC,
    points.map((p) => Math.log(p.params)),
  );
  const d = fitLine(
    logC,
    points.map((p) => Math.log(p.tokens)),
  );
  return {
    mapping: { paramCoeff: Math.exp(n.intercept), paramExponent: n.slope, tokenCoeff: Math.exp(d.intercept), tokenExponent: d.slope },
    residualSumOfSquares: n.residualSumOfSquares + d.residualSumOfSquares,
  };
}

/**
 * Allocation from a power-law mapping. The two laws are fitted separately, so k_N·k_D·6 need not be 1
 * and N·D·6 may differ slightly from C: `flops` is the requested budget, not 6·N·D. The loss is the mapping's
 * compute frontier at C where it has one (Approach 2 fits), else null.
 */
export function allocateWithPowerLaw(mapping: PowerLawMapping, flops: number): Allocation {
  checkPositive(flops, 'flops');
  const params = mapping.paramCoeff * flops ** mapping.paramExponent;
  const tokens = mapping.tokenCoeff * flops ** mapping.tokenExponent;
  const loss = mapping.lossFrontier ? frontierLoss(mapping.lossFrontier, flops) : null;
  return { params, tokens, flops, loss, tokensPerParam: tokens / params };
}

/** The power-law form of a loss law's closed-form frontier: k_N = G·6^−a, k_D = G⁻¹·6^−b. */
export function powerLawFromLossLaw(law: LossLaw): PowerLawMapping {
  const { a, b, G } = frontierExponents(law);
  return {
    paramCoeff: G * FLOPS_PER_PARAM_TOKEN ** -a,
    paramExponent: a,
    tokenCoeff: FLOPS_PER_PARAM_TOKEN ** -b / G,
    tokenExponent: b,
  };
}
