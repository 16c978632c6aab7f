import { ScalingLawError } from '../errors.js';
import { checkRowValue } from '../observations.js';
import { fitPowerLaws, type PowerLawMapping } from '../power-law.js';
import { FLOPS_PER_PARAM_TOKEN } from '../transformer-flops.js';

/** One training run's loss curve: N is fixed, tokens grow. */
export interface LossCurve {
  readonly runId: string;
  /** N, parameters */
  readonly params: number;
  /** (tokens seen, loss) pairs; sorted by tokens internally */
  readonly points: readonly { readonly tokens: number; readonly loss: number }[];
}

/** Options of `fitApproach1`. */
export interface Approach1Options {
  /**
   * Gaussian smoothing of each curve over this many consecutive points (σ = window/4, kernel
   * truncated at ±window/2), like the paper's "window of 10 steps". 1 disables smoothing. @default 10
   */
  readonly smoothingWindow?: number;
  /** log-spaced FLOP values at which the envelope is taken (the paper uses 1500). @default 1500 */
  readonly flopGridSize?: number;
  /** skip FLOP values covered by fewer curves than this (one curve is no envelope). @default 3 */
  readonly minCurvesPerFlop?: number;
}

/** One point of the lowest-loss envelope: which run was best at `flops`. */
export interface EnvelopePoint {
  readonly flops: number;
  readonly runId: string;
  readonly params: number;
  /** C/(6N): tokens the winning run had seen at `flops` */
  readonly tokens: number;
  readonly loss: number;
}

/** Result of an Approach-1 fit. */
export interface Approach1Fit {
  readonly method: 'approach1';
  readonly mapping: PowerLawMapping;
  readonly envelope: readonly EnvelopePoint[];
  /** sum of squared ln-residuals of the power-law fit through the envelope */
  readonly objective: number;
  /** closed-form least squares: 0 */
  readonly iterations: number;
  readonly converged: boolean;
  readonly warnings: readonly string[];
}

function checkCurves(curves: readonly LossCurve[]): void {
  if (!Array.isArray(curves)) throw new ScalingLawError('InvalidOption', 'Approach 1 needs an array of loss curves');
  curves.forEach((curve, i) => {
    if (typeof curve.runId !== 'string' || curve.runId === '') throw new ScalingLawError('InvalidOption', `curve ${i}: runId must be a non-empty string`);
    checkRowValue(curve.params, 'params (N)', i, curve.runId);
    const points: LossCurve['points'] = Array.isArray(curve.points) ? curve.points : [];
    if (points.length < 2) {
      throw new ScalingLawError('TooFewObservations', `curve ${i} (run ${curve.runId}): needs at least 2 (tokens, loss) points, got ${points.length}`);
    }
    points.forEach((p, j) => {
      checkRowValue(p.tokens, `point ${j} tokens`, i, curve.runId);
      checkRowValue(p.loss, `point ${j} loss`, i, curve.runId);
    });
  });
  if (new Set(curves.map((c) => c.params)).size < 2) {
    throw new ScalingLawError('TooFewSizes', `Approach 1 needs curves of at least 2 distinct model sizes, got ${new Set(curves.map((c) => c.params)).size}`);
  }
}

/** Gaussian-smoothed copy of `values` over `window` consecutive points (edges renormalised). */
export function smoothGaussian(values: readonly number[], window: number): number[] {
  if (window <= 1) return [...values];
  const sigma = window / 4;
  const half = Math.floor(window / 2);
  const kernel = Array.from({ length: 2 * half + 1 }, (_, k) => Math.exp(-((k - half) ** 2) / (2 * sigma * sigma)));
  return values.map((_, i) => {
    let sum = 0;
    let weight = 0;
    for (let k = -half; k <= half; k++) {
      const j = i + k;
      if (j < 0 || j >= values.length) continue;
      sum += kernel[k + half]! * values[j]!;
      weight += kernel[k + half]!;
    }
    return sum / weight;
  });
}

/**
 * Approach 1 of Hoffmann et al. 2022 (§3.1, App. D.1): smooth each loss curve, map it to FLOPs
 * (C = 6·N·tokens), take at log-spaced FLOP values the run with the lowest interpolated loss
 * (linear in ln C), and fit N_opt ∝ C^a, D_opt ∝ C^b through that envelope. FLOP values whose winner
 * is the smallest or largest size reaching them are left out (the optimum may lie beyond the sizes run).
 */
export function fitApproach1(curves: readonly LossCurve[], options: Approach1Options = {}): Approach1Fit {
  checkCurves(curves);
  const smoothingWindow = options.smoothingWindow ?? 10;
  const flopGridSize = options.flopGridSize ?? 1500;
  const minCurvesPerFlop = options.minCurvesPerFlop ?? 3;
  if (!(Number.isInteger(smoothingWindow) && smoothingWindow >= 1)) throw new ScalingLawError('InvalidOption', `smoothingWindow must be an integer ≥ 1, got ${smoothingWindow}`);
  if (!(Number.isInteger(flopGridSize) && flopGridSize >= 2)) throw new ScalingLawError('InvalidOption', `flopGridSize must be an integer ≥ 2, got ${flopGridSize}`);
  if (!(Number.isInteger(minCurvesPerFlop) && minCurvesPerFlop >= 1)) throw new ScalingLawError('InvalidOption', `minCurvesPerFlop must be an integer ≥ 1, got ${minCurvesPerFlop}`);

  const prepared = curves.map((curve) => {
    const points = [...curve.points].sort((p, q) => p.tokens - q.tokens);
    const loss = smoothGaussian(points.map((p) => p.loss), smoothingWindow);
    return { curve, logFlops: points.map((p) => Math.log(FLOPS_PER_PARAM_TOKEN * curve.params * p.tokens)), loss };
  });
  const low = Math.min(...prepared.map((p) => p.logFlops[0]!));
  const high = Math.max(...prepared.map((p) => p.logFlops[p.logFlops.length - 1]!));
  const envelope: EnvelopePoint[] = [];
  let edgeWinners = 0;
  for (let k = 0; k < flopGridSize; k++) {
    const logC = low + ((high - low) * k) / (flopGridSize - 1);
    let covering = 0;
    let smallestCovering = Infinity;
    let largestCovering = 0;
    let best: { loss: number; curve: LossCurve } | null = null;
    for (const p of prepared) {
      const xs = p.logFlops;
      if (logC < xs[0]! || logC > xs[xs.length - 1]!) continue;
      covering++;
      smallestCovering = Math.min(smallestCovering, p.curve.params);
      largestCovering = Math.max(largestCovering, p.curve.params);
      let j = 1;
      while (j < xs.length - 1 && xs[j]! < logC) j++;
      const span = xs[j]! - xs[j - 1]!;
      const t = span > 0 ? (logC - xs[j - 1]!) / span : 1;
      const loss = p.loss[j - 1]! + t * (p.loss[j]! - p.loss[j - 1]!);
      if (best === null || loss < best.loss) best = { loss, curve: p.curve };
    }
    if (best === null || covering < minCurvesPerFlop) continue;
    // A winner at the edge of the sizes that reach this C may only be the best of what was run:
    // the true optimum could lie beyond it, so such points would bias the power law.
    if (best.curve.params === smallestCovering || best.curve.params === largestCovering) {
      edgeWinners++;
      continue;
    }
    const flops = Math.exp(logC);
    envelope.push({ flops, runId: best.curve.runId, params: best.curve.params, tokens: flops / (FLOPS_PER_PARAM_TOKEN * best.curve.params), loss: best.loss });
  }
  const sizes = new Set(envelope.map((e) => e.params));
  if (sizes.size < 2) {
    throw new ScalingLawError('TooFewSizes', `the lowest-loss envelope uses ${sizes.size} model size(s); Approach 1 needs curves that overlap in FLOPs across at least 2 sizes`);
  }
  const warnings: string[] = [];
  if (edgeWinners > envelope.length) {
    warnings.push(
      `${edgeWinners} of ${edgeWinners + envelope.length} FLOP values were won by the smallest or largest model that reaches them and were left out; the sweep may not bracket the optimum`,
    );
  }
  const fit = fitPowerLaws(envelope);
  return { method: 'approach1', mapping: fit.mapping, envelope, objective: fit.residualSumOfSquares, iterations: 0, converged: true, warnings };
}
