import { ScalingLawError } from '../errors.js';
import { checkRowValue } from '../observations.js';
import { fitPowerLaws, type PowerLawMapping } from '../power-law.js';
import { FLOPS_PER_PARAM_TOKEN } from '../transformer-flops.js';

/**
 * One training run's loss curve, as the run logged it: N is fixed, tokens grow, and the last point is
 * the run's end. Final losses of different runs are not a curve: grouping runs of one size into a
 * pseudo-curve hides which points are run ends (the last-15% check below) and which rows were
 * dropped, so Approach 1 refuses data that has no curves (`checkCurves`). Sizes trained to several
 * lengths (the paper's 4 cosine cycles) are several runs, each with its own curve.
 */
export interface LossCurve {
  readonly runId: string;
  /** N, parameters */
  readonly params: number;
  /** (tokens seen, loss) pairs along the run; sorted by tokens internally */
  readonly points: readonly { readonly tokens: number; readonly loss: number }[];
}

/**
 * Hoffmann et al. 2022, footnote 4: every envelope point of their Approach 1 lies in the last 15% of
 * its run. A point earlier in a run whose learning-rate schedule was set for its full length has not
 * been annealed and overestimates the loss of a run matched to that length (§2, Kaplan's bias).
 */
export const APPROACH1_RUN_END_FRACTION = 0.85;

/** Smoothing never averages points more than this far apart in ln(tokens) (±10%): see `smoothGaussian`. */
export const SMOOTHING_MAX_LOG_SPAN = Math.log(1.1);

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
  /** tokens / the run's final tokens: where in its run the point lies */
  readonly runFraction: number;
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
  if (curves.length === 0) {
    throw new ScalingLawError(
      'TooFewObservations',
      'Approach 1 needs training curves (several (tokens, loss) points logged along each run); the runs have final losses only',
    );
  }
  curves.forEach((curve, i) => {
    if (typeof curve.runId !== 'string' || curve.runId === '')
      throw new ScalingLawError('InvalidOption', `curve ${i}: runId must be a non-empty string`);
    checkRowValue(curve.params, 'params (N)', i, curve.runId);
    const points: LossCurve['points'] = Array.isArray(curve.points) ? curve.points : [];
    if (points.length < 2) {
      throw new ScalingLawError(
        'TooFewObservations',
        `curve ${i} (run ${curve.runId}): needs at least 2 (tokens, loss) points, got ${points.length}`,
      );
    }
    points.forEach((p, j) => {
      checkRowValue(p.tokens, `point ${j} tokens`, i, curve.runId);
      checkRowValue(p.loss, `point ${j} loss`, i, curve.runId);
    });
  });
  if (new Set(curves.map((c) => c.params)).size < 2) {
    throw new ScalingLawError(
      'TooFewSizes',
      `Approach 1 needs curves of at least 2 distinct model sizes, got ${new Set(curves.map((c) => c.params)).size}`,
    );
  }
}

/**
 * Gaussian-smoothed copy of `values` over `window` consecutive points (σ = window/4).
 *
 * Without `tokens` the kernel is truncated at the ends and renormalised. With `tokens` (the position of
 * each value) the kernel is symmetric around each point and reaches only neighbours within
 * `SMOOTHING_MAX_LOG_SPAN` of it in ln(tokens) on both sides: a window of "10 steps" (App. D.1) assumes
 * densely and evenly spaced steps, over which a loss curve is nearly straight. On a sparse curve (a few
 * log-spaced points spanning decades of tokens) a window of 10 points averages the whole convex curve
 * and moves every point by a lot; such points are left as they are. Symmetric weights leave a straight
 * line unchanged up to its ends.
 */
export function smoothGaussian(values: readonly number[], window: number, tokens?: readonly number[]): number[] {
  if (window <= 1) return [...values];
  const sigma = window / 4;
  const half = Math.floor(window / 2);
  const kernel = Array.from({ length: 2 * half + 1 }, (_, k) => Math.exp(-((k - half) ** 2) / (2 * sigma * sigma)));
  if (tokens && tokens.length !== values.length)
    throw new ScalingLawError('InvalidOption', `tokens and values differ in length (${tokens.length} vs ${values.length})`);
  return values.map((_, i) => {
    let from = -half;
    let to = half;
    if (tokens) {
      let reach = Math.min(half, i, values.length - 1 - i);
      const near = (j: number): boolean => Math.abs(Math.log(tokens[j]! / tokens[i]!)) <= SMOOTHING_MAX_LOG_SPAN;
      while (reach > 0 && !(near(i - reach) && near(i + reach))) reach--;
      from = -reach;
      to = reach;
    }
    let sum = 0;
    let weight = 0;
    for (let k = from; k <= to; k++) {
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
 * When over half of the envelope lies before the last 15% of its run (fn. 4; an IsoFLOP-only sweep with
 * one schedule per size has nothing else between its budgets) the fit warns and returns `converged: false`.
 */
export function fitApproach1(curves: readonly LossCurve[], options: Approach1Options = {}): Approach1Fit {
  checkCurves(curves);
  const smoothingWindow = options.smoothingWindow ?? 10;
  const flopGridSize = options.flopGridSize ?? 1500;
  const minCurvesPerFlop = options.minCurvesPerFlop ?? 3;
  if (!(Number.isInteger(smoothingWindow) && smoothingWindow >= 1))
    throw new ScalingLawError('InvalidOption', `smoothingWindow must be an integer ≥ 1, got ${smoothingWindow}`);
  if (!(Number.isInteger(flopGridSize) && flopGridSize >= 2))
    throw new ScalingLawError('InvalidOption', `flopGridSize must be an integer ≥ 2, got ${flopGridSize}`);
  if (!(Number.isInteger(minCurvesPerFlop) && minCurvesPerFlop >= 1))
    throw new ScalingLawError('InvalidOption', `minCurvesPerFlop must be an integer ≥ 1, got ${minCurvesPerFlop}`);

  const prepared = curves.map((curve) => {
    const points = [...curve.points].sort((p, q) => p.tokens - q.tokens);
    const tokens = points.map((p) => p.tokens);
    const loss = smoothGaussian(
      points.map((p) => p.loss),
      smoothingWindow,
      tokens,
    );
    return {
      curve,
      logFlops: tokens.map((t) => Math.log(FLOPS_PER_PARAM_TOKEN * curve.params * t)),
      loss,
      finalTokens: tokens[tokens.length - 1]!,
    };
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
    let best: { loss: number; curve: LossCurve; finalTokens: number } | null = null;
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
      if (best === null || loss < best.loss) best = { loss, curve: p.curve, finalTokens: p.finalTokens };
    }
    if (best === null || covering < minCurvesPerFlop) continue;
    // A winner at the edge of the sizes that reach this C may only be the best of what was run:
    // the true optimum could lie beyond it, so such points would bias the power law.
    if (best.curve.params === smallestCovering || best.curve.params === largestCovering) {
      edgeWinners++;
      continue;
    }
    const flops = Math.exp(logC);
    const tokens = flops / (FLOPS_PER_PARAM_TOKEN * best.curve.params);
    const runFraction = Math.min(1, tokens / best.finalTokens);
    envelope.push({ flops, runId: best.curve.runId, params: best.curve.params, tokens, loss: best.loss, runFraction });
  }
  const sizes = new Set(envelope.map((e) => e.params));
  if (sizes.size < 2) {
    throw new ScalingLawError(
      'TooFewSizes',
      `the lowest-loss envelope uses ${sizes.size} model size(s); Approach 1 needs curves that overlap in FLOPs across at least 2 sizes`,
    );
  }
  const warnings: string[] = [];
  if (edgeWinners > envelope.length) {
    warnings.push(
      `${edgeWinners} of ${edgeWinners + envelope.length} FLOP values were won by the smallest or largest model that reaches them and were left out; the sweep may not bracket the optimum`,
    );
  }
  // Footnote 4: the paper's envelope came entirely from the last 15% of runs. Points earlier in a run
  // (whose LR schedule is set for its full length) overestimate the loss of a matched run (§2). An
  // envelope mostly made of such points (an IsoFLOP-only sweep has nothing else between its budgets)
  // gives a biased allocation, even when the exponent comes out close: reported as not converged.
  const beforeRunEnd = envelope.filter((e) => e.runFraction < APPROACH1_RUN_END_FRACTION).length;
  const converged = beforeRunEnd <= envelope.length / 2;
  if (!converged) {
    warnings.push(
      `${((100 * beforeRunEnd) / envelope.length).toFixed(0)}% of the envelope comes from before the last ${(100 * (1 - APPROACH1_RUN_END_FRACTION)).toFixed(0)}% of its run, ` +
        `where a run whose learning-rate schedule is set for its full length overestimates the loss of a run matched to that length (Hoffmann et al. 2022 §2, fn. 4); ` +
        'Approach 1 needs each size trained to several closely spaced lengths (the paper: 4 cosine cycles spanning 16×) so that runs end near every FLOP value; ' +
        'an IsoFLOP-only sweep has run ends only at its budgets. The allocation is biased and not reported as converged',
    );
  }
  const fit = fitPowerLaws(envelope);
  return { method: 'approach1', mapping: fit.mapping, envelope, objective: fit.residualSumOfSquares, iterations: 0, converged, warnings };
}
