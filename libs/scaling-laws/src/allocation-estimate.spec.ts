import { describe, expect, it } from 'vitest';
import { countWithInterval, estimateAllocation, humanCount, percentileRange } from './allocation-estimate.js';
import { computeDataConstrainedAllocation } from './data-constrained.js';
import { percentile } from './fit/bootstrap.js';
import type { FittedMapping } from './fitted-law.js';
import { computeInferenceAwareAllocation } from './inference-aware.js';
import { computeOptimalAllocation } from './loss-law.js';
import { allocate, CHINCHILLA_RUNS_ANCHOR_FLOPS, getPreset, presetFittedMapping, type AllocationMapping } from './presets.js';
import { EPOCH_2024 } from './__tests__/published-laws.js';

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

/** A fit of EPOCH_2024 with replicates whose β spreads around the point (as a bootstrap's would). */
const betas = [0.35, 0.355, 0.36, 0.362, 0.365, 0.368, 0.37, 0.375, 0.38];
const fitted: FittedMapping = {
  source: { kind: 'fit', method: 3, runs: 240 },
  mapping: { kind: 'loss-law', law: EPOCH_2024 },
  samples: betas.map((beta) => ({ kind: 'loss-law', law: { ...EPOCH_2024, dataExponent: beta } })),
  percentiles: [10, 90],
  resamples: 10,
};
const powerLaw: FittedMapping = {
  source: { kind: 'fit', method: 2, runs: 30 },
  mapping: getPreset('chinchilla-2022-approach2').mapping,
  samples: [],
  percentiles: [10, 90],
};

describe('estimateAllocation: point and bootstrap intervals', () => {
  it('gives the closed-form point and the percentiles of the replicates’ allocations', () => {
    const estimate = estimateAllocation(fitted, 1e24);
    const free = computeOptimalAllocation(EPOCH_2024, 1e24);
    expect(estimate.params).toBe(free.params);
    expect(estimate.loss).toBe(free.loss);
    const params = Float64Array.from(fitted.samples.map((s) => allocate(s, 1e24).params)).sort();
    expect(estimate.intervals.params).toEqual({
      lower: percentile(params, 10),
      median: percentile(params, 50),
      upper: percentile(params, 90),
    });
    expect(estimate.intervals.loss!.lower).toBeLessThan(estimate.intervals.loss!.upper);
    expect(estimate.intervals.tokensPerParam!.lower).toBeLessThan(estimate.intervals.tokensPerParam!.upper);
    expect(estimate.intervalBasis).toEqual({ kind: 'bootstrap', replicates: 9, resamples: 10, percentiles: [10, 90] });
    expect(estimate.intervalNote).toBe('bootstrap, 9/10 replicates, 10th–90th percentile');
    expect(estimate.source).toEqual(fitted.source);
  });

  it('takes other percentiles on request', () => {
    const wide = estimateAllocation(fitted, 1e24, { percentiles: [2.5, 97.5] });
    const narrow = estimateAllocation(fitted, 1e24);
    expect(wide.intervals.params!.lower).toBeLessThan(narrow.intervals.params!.lower);
    expect(wide.intervalNote).toMatch(/2\.5th–97\.5th percentile/);
  });

  it('has no loss (nor its interval) for a power-law mapping, and says when there are no replicates', () => {
    const estimate = estimateAllocation(powerLaw, 1e22);
    expect(estimate.loss).toBeNull();
    expect(estimate.intervals).toEqual({ params: null, tokens: null, tokensPerParam: null, loss: null });
    expect(estimate.intervalNote).toBe('no interval: the fit has no bootstrap replicates');
  });
});

describe('estimateAllocation: published intervals of presets', () => {
  it('epoch-2024: derived from the published SE of a, widening away from the Chinchilla runs', () => {
    const estimate = estimateAllocation(presetFittedMapping('epoch-2024'), 1e24);
    expect(estimate.intervalBasis.kind).toBe('published');
    expect(estimate.intervalNote).toMatch(
      /^published interval: Besiroglu et al\. 2024.*SE 0\.02.*derived from the published standard error/,
    );
    const { lower, median, upper } = estimate.intervals.params!;
    expect(median).toBe(estimate.params);
    const spread = Math.log(1e24 / CHINCHILLA_RUNS_ANCHOR_FLOPS) * 1.959964 * 0.02;
    expect(relativeError(upper / estimate.params, Math.exp(spread))).toBeLessThan(1e-9);
    expect(relativeError(lower / estimate.params, Math.exp(-spread))).toBeLessThan(1e-9);
    // D = C/6N at both ends
    expect(relativeError(6 * lower * estimate.intervals.tokens!.upper, 1e24)).toBeLessThan(1e-9);
    expect(estimate.intervals.loss).toBeNull();
    const near = estimateAllocation(presetFittedMapping('epoch-2024'), 1e21).intervals.params!;
    expect(near.upper / near.lower).toBeLessThan(upper / lower);
  });

  it('chinchilla-2022: the paper’s Table 2 interval, flagged as implausibly narrow', () => {
    const estimate = estimateAllocation(presetFittedMapping('chinchilla-2022'), 1e24);
    expect(estimate.intervalNote).toMatch(/Table 2.*0\.454, 0\.455.*implausibly narrow/);
    expect(estimate.intervals.params!.upper / estimate.intervals.params!.lower).toBeLessThan(1.02);
  });

  it('a preset that published nothing says "no published interval"', () => {
    const bare: FittedMapping = {
      source: { kind: 'preset', name: 'x' },
      mapping: { kind: 'loss-law', law: EPOCH_2024 },
      samples: [],
      percentiles: [10, 90],
    };
    const estimate = estimateAllocation(bare, 1e24);
    expect(estimate.intervalNote).toBe('no published interval');
    expect(estimate.intervals.params).toBeNull();
  });
});

describe('estimateAllocation: data-constrained part', () => {
  it('allocates by eq. 5 with the epochs and their interval, and warns past ~16 epochs', () => {
    const estimate = estimateAllocation(fitted, 1e24, { uniqueTokens: 1e11 });
    const expected = computeDataConstrainedAllocation(EPOCH_2024, 1e24, 1e11);
    expect(estimate.params).toBe(expected.params);
    expect(estimate.dataConstrained).toMatchObject({
      uniqueTokens: 1e11,
      accountedFor: true,
      effectiveTokens: expected.effectiveTokens,
      effectiveParams: expected.effectiveParams,
    });
    expect(relativeError(estimate.dataConstrained!.epochs, 27.9)).toBeLessThan(0.03);
    expect(estimate.dataConstrained!.unconstrained.params).toBeGreaterThan(estimate.params);
    expect(estimate.dataConstrained!.epochsInterval!.lower).toBeLessThan(estimate.dataConstrained!.epochsInterval!.upper);
    expect(estimate.warnings.join('\n')).toMatch(/decays fast/);
  });

  it('a power law cannot weigh repetition: allocated as is, with a warning', () => {
    const estimate = estimateAllocation(powerLaw, 1e24, { uniqueTokens: 1e11 });
    expect(estimate.params).toBe(allocate(powerLaw.mapping, 1e24).params);
    expect(estimate.dataConstrained?.accountedFor).toBe(false);
    expect(estimate.warnings.join('\n')).toMatch(/NOT accounted for/);
  });

  it('publishes no interval for a data-constrained preset allocation (the published one covers the free allocation only)', () => {
    const estimate = estimateAllocation(presetFittedMapping('epoch-2024'), 1e24, { uniqueTokens: 1e11 });
    expect(estimate.intervals.params).toBeNull();
    expect(estimate.intervalNote).toMatch(/unconstrained allocation only/);
  });
});

describe('estimateAllocation: inference-aware part', () => {
  it('adds the Sardana et al. optimum with replicate intervals', () => {
    const estimate = estimateAllocation(fitted, 1e23, { inferenceTokens: 1e14 });
    const expected = computeInferenceAwareAllocation(EPOCH_2024, 1e23, 1e14);
    expect(estimate.inference).toMatchObject({
      params: expected.params,
      tokens: expected.tokens,
      saving: expected.saving,
      inferenceTokens: 1e14,
    });
    expect(estimate.inference!.params).toBeLessThan(estimate.params);
    expect(estimate.inference!.paramsInterval!.lower).toBeLessThan(estimate.inference!.paramsInterval!.upper);
    expect(estimate.params).toBe(computeOptimalAllocation(EPOCH_2024, 1e23).params); // the budget's own allocation is unchanged
  });

  it('refuses a power-law mapping, naming why', () => {
    expect(() => estimateAllocation(powerLaw, 1e23, { inferenceTokens: 1e12 })).toThrow(
      /needs a loss law L\(N, D\).*pair of power laws \(approach 2\)/,
    );
  });
});

describe('estimateAllocation: bad input names the field', () => {
  it.each([
    [1e24, { uniqueTokens: -1 }, /uniqueTokens/],
    [1e24, { uniqueTokens: Number.NaN }, /uniqueTokens/],
    [1e24, { inferenceTokens: -5 }, /inferenceTokens/],
    [1e24, { inferenceTokens: Number.POSITIVE_INFINITY }, /inferenceTokens/],
    [0, {}, /flops/],
    [1e24, { percentiles: [90, 10] as const }, /percentiles/],
  ])('refuses flops=%s %j', (flops, options, message) => {
    expect(() => estimateAllocation(fitted, flops, options)).toThrow(message);
  });

  it('skips replicates that cannot allocate and counts only those that do', () => {
    const broken: AllocationMapping = { kind: 'loss-law', law: { ...EPOCH_2024, paramExponent: -1 } };
    const estimate = estimateAllocation({ ...fitted, samples: [...fitted.samples, broken] }, 1e24);
    expect(estimate.intervalBasis).toMatchObject({ kind: 'bootstrap', replicates: 9 });
  });
});

describe('formatting', () => {
  it('prints counts with their interval compactly', () => {
    expect(humanCount(2.78e9)).toBe('2.78B');
    expect(countWithInterval(2.78e9, { lower: 2.1e9, median: 2.7e9, upper: 3.6e9 })).toBe('2.78B [2.10B–3.60B]');
    expect(countWithInterval(2.78e9, null)).toBe('2.78B');
    expect(percentileRange([10, 90])).toBe('10th–90th percentile');
    expect(percentileRange([2.5, 97.5])).toBe('2.5th–97.5th percentile');
  });
});
