import { describe, expect, it } from 'vitest';
import { createRandom, resampleCounts } from '../random.js';
import { syntheticIsoFlopSweep } from '../synthetic.js';
import { bootstrapApproach2, bootstrapApproach3, percentile } from './bootstrap.js';
import { EPOCH_2024 } from '../__tests__/published-laws.js';

const epoch = EPOCH_2024;
const noisy = syntheticIsoFlopSweep(epoch, { noise: 0.005, seed: 11, span: 16 });
const grid = [
  { a: 5, b: 5, e: 0.5, alpha: 0.5, beta: 0.5 },
  { a: 10, b: 10, e: 0, alpha: 0.5, beta: 0.5 },
];

describe('percentile and resampling', () => {
  it('interpolates linearly between order statistics (numpy default)', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 10)).toBeCloseTo(1.3, 12);
    expect(percentile([5], 90)).toBe(5);
  });

  it('draws n rows with replacement, reproducibly per seed', () => {
    const a = resampleCounts(100, createRandom(3));
    const b = resampleCounts(100, createRandom(3));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a.reduce((s, v) => s + v, 0)).toBe(100);
    expect(Array.from(a).some((v) => v > 1)).toBe(true);
  });
});

describe('bootstrapApproach3', () => {
  const result = bootstrapApproach3(noisy, { resamples: 60, seed: 5, budgets: [1e21, 1e24], fit: { starts: grid } });

  it('gives ordered intervals around the point estimate for every quantity', () => {
    expect(result.succeeded + result.failed).toBe(60);
    expect(result.percentiles).toEqual([10, 90]);
    for (const key of ['irreducibleLoss', 'paramCoeff', 'dataCoeff', 'paramExponent', 'dataExponent', 'a', 'b', 'G']) {
      const interval = result.intervals[key]!;
      expect(interval.lower).toBeLessThan(interval.upper);
    }
    const a = result.intervals.a!;
    expect(a.lower).toBeLessThan(result.fit.frontier!.a);
    expect(a.upper).toBeGreaterThan(result.fit.frontier!.a);
    // Refits must really move: a collapsed interval is the bug of the original paper (0.454, 0.455).
    expect(a.upper - a.lower).toBeGreaterThan(0.005);
    expect(result.allocations).toHaveLength(2);
    expect(result.allocations[1]!.params.lower).toBeLessThan(result.allocations[1]!.params.upper);
    expect(result.allocations[1]!.loss!.lower).toBeGreaterThan(1.8);
  });

  it('is reproducible for a seed and honours the percentiles option', () => {
    const again = bootstrapApproach3(noisy, { resamples: 60, seed: 5, budgets: [1e21, 1e24], fit: { starts: grid } });
    expect(again.intervals).toEqual(result.intervals);
    const wide = bootstrapApproach3(noisy, { resamples: 60, seed: 5, percentiles: [2.5, 97.5], fit: { starts: grid } });
    expect(wide.intervals.a!.upper - wide.intervals.a!.lower).toBeGreaterThan(result.intervals.a!.upper - result.intervals.a!.lower);
  });

  it('counts replicates that do not converge instead of keeping them', () => {
    const capped = bootstrapApproach3(noisy, { resamples: 10, seed: 5, fit: { starts: grid, lbfgs: { maxIterations: 2 } } });
    expect(capped.failed).toBe(10);
    expect(capped.succeeded).toBe(0);
    expect(capped.warnings.join('\n')).toMatch(/10 of 10 bootstrap replicates did not converge/);
  });

  it('refuses bad options', () => {
    expect(() => bootstrapApproach3(noisy, { resamples: 0 })).toThrow(/resamples must be an integer ≥ 1/);
    expect(() => bootstrapApproach3(noisy, { percentiles: [90, 10] })).toThrow(/percentiles must satisfy/);
    expect(() => bootstrapApproach3(noisy, { budgets: [-1] })).toThrow(/budgets\[0\] must be a finite number of FLOPs > 0/);
  });
});

describe('bootstrapApproach2', () => {
  it('counts resamples that lose a budget (fewer than 3 sizes) as failed', () => {
    const thin = syntheticIsoFlopSweep(epoch, { noise: 0.005, seed: 2, sizesPerBudget: 3 });
    const result = bootstrapApproach2(thin, { resamples: 40, seed: 1, budgets: [1e21] });
    expect(result.failed).toBeGreaterThan(0);
    expect(result.succeeded + result.failed).toBe(40);
    // Approach 2 predicts a loss through its compute frontier (loss-frontier.ts): an interval, NaN like N's here.
    expect(result.allocations[0]!.loss).not.toBeNull();
  });

  it('gives an interval for a that contains the full-data estimate', () => {
    const result = bootstrapApproach2(syntheticIsoFlopSweep(epoch, { noise: 0.005, seed: 2 }), { resamples: 100, seed: 1 });
    expect(result.failed).toBeLessThan(20); // a budget can lose sizes in a resample
    expect(result.intervals.a!.lower).toBeLessThanOrEqual(result.fit.mapping.paramExponent);
    expect(result.intervals.a!.upper).toBeGreaterThanOrEqual(result.fit.mapping.paramExponent);
  });
});
