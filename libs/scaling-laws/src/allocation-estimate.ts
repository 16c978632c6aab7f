import { computeDataConstrainedAllocation, repetitionWarning } from './data-constrained.js';
import { ScalingLawError } from './errors.js';
import { percentile, type Interval } from './fit/bootstrap.js';
import type { FittedMapping, MappingSource, PublishedUncertainty } from './fitted-law.js';
import { checkDemand, computeInferenceAwareAllocation } from './inference-aware.js';
import { checkPositive, type Allocation } from './loss-law.js';
import { allocate, type AllocationMapping } from './presets.js';

/**
 * The one allocation of ScalePlan: a budget through a fitted or published mapping, with the interval its
 * evidence supports and the data-constrained and inference-aware parts. CLI, control plane (budgets, REST,
 * dashboard) and the demo report all call {@link estimateAllocation}.
 */

/** Options of {@link estimateAllocation}. */
export interface AllocationEstimateOptions {
  /** unique training tokens available: allocate for repeated data (Muennighoff et al. 2023 eq. 5) */
  readonly uniqueTokens?: number;
  /** lifetime inference tokens: add the inference-aware allocation (Sardana et al. 2024) */
  readonly inferenceTokens?: number;
  /** percentiles (in percent) of bootstrap intervals; default: the fitted mapping's own */
  readonly percentiles?: readonly [number, number];
}

/** Where an estimate's interval comes from. */
export type IntervalBasis =
  | { readonly kind: 'bootstrap'; readonly replicates: number; readonly resamples: number; readonly percentiles: readonly [number, number] }
  | { readonly kind: 'published'; readonly percentiles: readonly [number, number]; readonly source: string; readonly note?: string }
  | { readonly kind: 'none' };

/** The intervals of one allocation; null where the basis gives none (e.g. the loss of a power law). */
export interface AllocationIntervals {
  readonly params: Interval | null;
  readonly tokens: Interval | null;
  readonly tokensPerParam: Interval | null;
  readonly loss: Interval | null;
}

/** The data-constrained part: what repeating the unique data does to the allocation. */
export interface DataConstrainedPart {
  readonly uniqueTokens: number;
  /** D / U: passes over the unique data at the allocated D */
  readonly epochs: number;
  readonly epochsInterval: Interval | null;
  /** whether eq. 5 shaped the allocation (false for power-law mappings, which have no loss to weigh repetition with) */
  readonly accountedFor: boolean;
  /** D' and N' of eq. 5 at the allocation (loss laws only) */
  readonly effectiveTokens?: number;
  readonly effectiveParams?: number;
  /** the allocation without the unique-token limit */
  readonly unconstrained: { readonly params: number; readonly tokens: number; readonly loss: number | null };
}

/** The inference-aware part: the model that reaches the budget's loss with the fewest lifetime FLOPs. */
export interface InferencePart {
  readonly inferenceTokens: number;
  readonly params: number;
  readonly tokens: number;
  readonly tokensPerParam: number;
  readonly paramsInterval: Interval | null;
  readonly tokensInterval: Interval | null;
  /** the loss it reaches: the training-only optimum's at the budget */
  readonly loss: number;
  readonly trainingFlops: number;
  readonly inferenceFlops: number;
  readonly totalFlops: number;
  /** the training-only (compute-optimal) allocation's lifetime FLOPs at the same demand */
  readonly trainingOnlyTotalFlops: number;
  /** share of lifetime FLOPs saved against the training-only optimum */
  readonly saving: number;
  /** D / U for the inference-aware D when a unique-token limit is set (eq. 5 is not applied to this part) */
  readonly epochs?: number;
}

/** An allocation of one budget with its interval, where both come from, and what to watch out for. */
export interface AllocationEstimate {
  readonly flops: number;
  readonly source: MappingSource;
  readonly mappingKind: AllocationMapping['kind'];
  /** N_opt (data-constrained when uniqueTokens is given and the mapping is a loss law) */
  readonly params: number;
  /** D_opt */
  readonly tokens: number;
  readonly tokensPerParam: number;
  /** predicted loss; null for power-law mappings */
  readonly loss: number | null;
  readonly intervals: AllocationIntervals;
  readonly intervalBasis: IntervalBasis;
  /** one plain line on where the interval comes from, e.g. "bootstrap, 187/200 replicates, 10th–90th percentile" */
  readonly intervalNote: string;
  readonly dataConstrained?: DataConstrainedPart;
  readonly inference?: InferencePart;
  readonly warnings: readonly string[];
}

const NO_INTERVALS: AllocationIntervals = { params: null, tokens: null, tokensPerParam: null, loss: null };

const ordinal = (p: number): string => {
  const shown = `${Number(p.toPrecision(4))}`;
  const last = Math.round(p) % 10;
  const teen = Math.round(p) % 100 >= 11 && Math.round(p) % 100 <= 13;
  return `${shown}${!Number.isInteger(p) || teen ? 'th' : last === 1 ? 'st' : last === 2 ? 'nd' : last === 3 ? 'rd' : 'th'}`;
};

/** "10th–90th percentile" */
export const percentileRange = ([low, high]: readonly [number, number]): string => `${ordinal(low)}–${ordinal(high)} percentile`;

function intervalOf(values: readonly number[], [low, high]: readonly [number, number]): Interval | null {
  const sorted = Float64Array.from(values.filter(Number.isFinite)).sort();
  if (sorted.length < 2) return null;
  return { lower: percentile(sorted, low), median: percentile(sorted, 50), upper: percentile(sorted, high) };
}

/** The interval of one quantity over the bootstrap replicates. */
const spreadOf = <T>(replicates: readonly T[], percentiles: readonly [number, number], value: (replicate: T) => number): Interval | null =>
  intervalOf(replicates.map(value), percentiles);

function checkOptions(flops: number, options: AllocationEstimateOptions): void {
  checkPositive(flops, 'flops');
  if (options.uniqueTokens !== undefined) checkPositive(options.uniqueTokens, 'uniqueTokens');
  if (options.inferenceTokens !== undefined) checkDemand(options.inferenceTokens);
  const [low, high] = options.percentiles ?? [0, 100];
  if (!(low >= 0 && high <= 100 && low < high))
    throw new ScalingLawError('InvalidOption', `percentiles must satisfy 0 ≤ lower < upper ≤ 100, got [${low}, ${high}]`);
}

/** Allocation of one mapping, data-constrained where a unique-token limit applies to a loss law. */
function allocateOne(
  mapping: AllocationMapping,
  flops: number,
  uniqueTokens: number | undefined,
): Allocation & { effectiveTokens?: number; effectiveParams?: number } {
  if (mapping.kind === 'loss-law' && uniqueTokens !== undefined) return computeDataConstrainedAllocation(mapping.law, flops, uniqueTokens);
  return allocate(mapping, flops);
}

/**
 * The published exponent interval turned into one of N_opt at `flops` (see {@link PublishedUncertainty}):
 * N_point·(C/anchor)^(a′ − a_median) at both ends of the a-interval; D = C/(6N) follows for loss laws, D_point·N_point/N otherwise.
 */
function publishedIntervals(point: Allocation, published: PublishedUncertainty): AllocationIntervals {
  const logRatio = Math.log(point.flops / published.anchorFlops);
  const paramsAt = (a: number): number => point.params * Math.exp((a - published.a.median) * logRatio);
  const ends = [paramsAt(published.a.lower), paramsAt(published.a.upper)].sort((x, y) => x - y) as [number, number];
  const tokensAt = (params: number): number => (point.tokens * point.params) / params;
  return {
    params: { lower: ends[0], median: point.params, upper: ends[1] },
    tokens: { lower: tokensAt(ends[1]), median: point.tokens, upper: tokensAt(ends[0]) },
    tokensPerParam: { lower: tokensAt(ends[1]) / ends[1], median: point.tokensPerParam, upper: tokensAt(ends[0]) / ends[0] },
    loss: null,
  };
}

function inferencePart(
  fitted: FittedMapping,
  flops: number,
  inferenceTokens: number,
  uniqueTokens: number | undefined,
  percentiles: readonly [number, number],
): InferencePart {
  if (fitted.mapping.kind !== 'loss-law') {
    throw new ScalingLawError(
      'InvalidOption',
      'inference-aware allocation needs a loss law L(N, D) to hold the loss fixed while trading parameters for tokens; ' +
        `this mapping is a pair of power laws (${fitted.source.kind === 'fit' ? `approach ${fitted.source.method}` : fitted.source.name}): use approach 3 or a parametric preset`,
    );
  }
  const aware = computeInferenceAwareAllocation(fitted.mapping.law, flops, inferenceTokens);
  const replicates = fitted.samples.flatMap((sample) => {
    if (sample.kind !== 'loss-law') return [];
    try {
      return [computeInferenceAwareAllocation(sample.law, flops, inferenceTokens)];
    } catch {
      return [];
    }
  });
  return {
    inferenceTokens,
    params: aware.params,
    tokens: aware.tokens,
    tokensPerParam: aware.tokensPerParam,
    paramsInterval: spreadOf(replicates, percentiles, (r) => r.params),
    tokensInterval: spreadOf(replicates, percentiles, (r) => r.tokens),
    loss: aware.loss,
    trainingFlops: aware.trainingFlops,
    inferenceFlops: aware.inferenceFlops,
    totalFlops: aware.totalFlops,
    trainingOnlyTotalFlops: aware.trainingOnly.totalFlops,
    saving: aware.saving,
    ...(uniqueTokens !== undefined ? { epochs: aware.tokens / uniqueTokens } : {}),
  };
}

/**
 * N_opt, D_opt, predicted loss and tokens/param of `flops` under `fitted`, each with its interval: from the
 * bootstrap replicates when there are at least two that allocate, else from the preset's published interval,
 * else none (said so in `intervalNote`). With `uniqueTokens` loss laws allocate by Muennighoff et al.'s eq. 5
 * (power laws cannot and say so); with `inferenceTokens` the inference-aware part is added (loss laws only:
 * a power-law mapping is refused with the reason). Throws `ScalingLawError` on bad input, naming the field.
 */
export function estimateAllocation(fitted: FittedMapping, flops: number, options: AllocationEstimateOptions = {}): AllocationEstimate {
  checkOptions(flops, options);
  const { uniqueTokens, inferenceTokens } = options;
  const percentiles = options.percentiles ?? fitted.percentiles;
  const warnings: string[] = [];
  const point = allocateOne(fitted.mapping, flops, uniqueTokens);

  const replicates = fitted.samples.flatMap((sample) => {
    try {
      const allocation = allocateOne(sample, flops, uniqueTokens);
      return Number.isFinite(allocation.params) && Number.isFinite(allocation.tokens) ? [allocation] : [];
    } catch {
      return []; // a replicate the allocation refuses (degenerate law) gives no interval evidence
    }
  });

  let intervals = NO_INTERVALS;
  let intervalBasis: IntervalBasis = { kind: 'none' };
  let intervalNote: string;
  if (replicates.length >= 2) {
    const losses = replicates.flatMap((r) => (r.loss === null ? [] : [r.loss]));
    intervals = {
      params: spreadOf(replicates, percentiles, (r) => r.params),
      tokens: spreadOf(replicates, percentiles, (r) => r.tokens),
      tokensPerParam: spreadOf(replicates, percentiles, (r) => r.tokensPerParam),
      loss: point.loss === null ? null : intervalOf(losses, percentiles),
    };
    const resamples = Math.max(fitted.resamples ?? fitted.samples.length, replicates.length);
    intervalBasis = { kind: 'bootstrap', replicates: replicates.length, resamples, percentiles };
    intervalNote = `bootstrap, ${replicates.length}/${resamples} replicates, ${percentileRange(percentiles)}`;
  } else if (fitted.published && uniqueTokens === undefined) {
    const published = fitted.published;
    intervals = publishedIntervals(point, published);
    intervalBasis = {
      kind: 'published',
      percentiles: published.percentiles,
      source: published.source,
      ...(published.note ? { note: published.note } : {}),
    };
    intervalNote = `published interval: ${published.source}${published.note ? `; ${published.note}` : ''}; N_opt and D_opt by moving a within it around ${published.anchorFlops.toPrecision(2)} FLOPs (predicted loss: no published interval)`;
  } else if (fitted.published) {
    intervalNote = 'no interval: the published interval covers the unconstrained allocation only, not the data-constrained one';
  } else if (fitted.samples.length > 0 || (fitted.resamples ?? 0) > 0) {
    intervalNote = `no interval: only ${replicates.length} of ${fitted.resamples ?? fitted.samples.length} bootstrap replicates allocate at this budget`;
    warnings.push(intervalNote);
  } else {
    intervalNote = fitted.source.kind === 'preset' ? 'no published interval' : 'no interval: the fit has no bootstrap replicates';
  }

  let dataConstrained: DataConstrainedPart | undefined;
  if (uniqueTokens !== undefined) {
    const unconstrained = allocate(fitted.mapping, flops);
    const epochs = point.tokens / uniqueTokens;
    const accountedFor = fitted.mapping.kind === 'loss-law';
    dataConstrained = {
      uniqueTokens,
      epochs,
      epochsInterval: intervals.tokens
        ? {
            lower: intervals.tokens.lower / uniqueTokens,
            median: intervals.tokens.median / uniqueTokens,
            upper: intervals.tokens.upper / uniqueTokens,
          }
        : null,
      accountedFor,
      ...(point.effectiveTokens !== undefined ? { effectiveTokens: point.effectiveTokens } : {}),
      ...(point.effectiveParams !== undefined ? { effectiveParams: point.effectiveParams } : {}),
      unconstrained: { params: unconstrained.params, tokens: unconstrained.tokens, loss: unconstrained.loss },
    };
    if (!accountedFor && epochs > 1) {
      warnings.push(
        `${epochs.toPrecision(3)} passes over the unique data, NOT accounted for: a power-law mapping has no loss model to weigh repetition with (use approach 3 or a parametric preset)`,
      );
    }
    const repetition = repetitionWarning(epochs);
    if (repetition) warnings.push(repetition);
  }

  const inference = inferenceTokens !== undefined ? inferencePart(fitted, flops, inferenceTokens, uniqueTokens, percentiles) : undefined;
  if (inference?.epochs !== undefined) {
    const repetition = repetitionWarning(inference.epochs);
    if (repetition) warnings.push(`inference-aware allocation: ${repetition}`);
  }

  return {
    flops,
    source: fitted.source,
    mappingKind: fitted.mapping.kind,
    params: point.params,
    tokens: point.tokens,
    tokensPerParam: point.tokensPerParam,
    loss: point.loss,
    intervals,
    intervalBasis,
    intervalNote,
    ...(dataConstrained ? { dataConstrained } : {}),
    ...(inference ? { inference } : {}),
    warnings,
  };
}

/** 2780000000 → "2.78B"; 60e9 → "60.0B" (three significant figures, K/M/B/T). */
export function humanCount(value: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, unit] of units) if (Math.abs(value) >= scale) return `${(value / scale).toPrecision(3)}${unit}`;
  return value.toPrecision(3);
}

/** "2.78B [2.10B–3.60B]", or "2.78B" without an interval: N_opt or D_opt with its interval, compactly. */
export const countWithInterval = (value: number, interval: Interval | null): string =>
  interval ? `${humanCount(value)} [${humanCount(interval.lower)}–${humanCount(interval.upper)}]` : humanCount(value);
