import { describe, expect, it } from 'vitest';
import { computeDataConstrainedAllocation, effectiveTokens, REPETITION_HALF_LIFE_EPOCHS } from './data-constrained.js';
import { computeOptimalAllocation, predictLoss } from './loss-law.js';
import { EPOCH_2024 } from './__tests__/published-laws.js';

const epoch = EPOCH_2024;
const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('effectiveTokens (Muennighoff et al. 2023)', () => {
  it('counts fresh tokens at face value', () => {
    expect(effectiveTokens(5e9, 1e10)).toBe(5e9);
  });
  it('values R* repetitions at 1 − 1/e of fresh data', () => {
    const unique = 1e9;
    const tokens = unique * (1 + REPETITION_HALF_LIFE_EPOCHS);
    expect(relativeError(effectiveTokens(tokens, unique), unique + unique * REPETITION_HALF_LIFE_EPOCHS * (1 - Math.exp(-1)))).toBeLessThan(1e-12);
  });
  it('saturates at U·(1 + R*)', () => {
    const ceiling = 1e9 * (1 + REPETITION_HALF_LIFE_EPOCHS);
    expect(effectiveTokens(2e10, 1e9)).toBeLessThan(ceiling);
    expect(effectiveTokens(1e15, 1e9)).toBeLessThanOrEqual(ceiling);
    expect(relativeError(effectiveTokens(1e15, 1e9), ceiling)).toBeLessThan(1e-12);
  });
});

describe('computeDataConstrainedAllocation', () => {
  it('equals the closed form when the unique data covers D_opt', () => {
    const free = computeOptimalAllocation(epoch, 1e21);
    const constrained = computeDataConstrainedAllocation(epoch, 1e21, free.tokens * 2);
    expect(constrained.constrained).toBe(false);
    expect(constrained.params).toBe(free.params);
    expect(constrained.effectiveTokens).toBe(free.tokens);
  });

  it('moves to a larger model on fewer tokens when data repeats, and spends exactly the budget', () => {
    const flops = 1e24;
    const free = computeOptimalAllocation(epoch, flops);
    const unique = free.tokens / 20;
    const constrained = computeDataConstrainedAllocation(epoch, flops, unique);
    expect(constrained.constrained).toBe(true);
    expect(constrained.params).toBeGreaterThan(free.params);
    expect(constrained.tokens).toBeLessThan(free.tokens);
    expect(relativeError(6 * constrained.params * constrained.tokens, flops)).toBeLessThan(1e-12);
    expect(constrained.repetitionFactor).toBeCloseTo(constrained.tokens / unique, 12);
    expect(constrained.loss).toBeGreaterThan(free.loss ?? 0);
  });

  it('is a minimum of the data-constrained loss along the IsoFLOP curve', () => {
    const flops = 1e23;
    const unique = computeOptimalAllocation(epoch, flops).tokens / 50;
    const best = computeDataConstrainedAllocation(epoch, flops, unique);
    const lossAt = (params: number) => predictLoss(epoch, params, effectiveTokens(flops / 6 / params, unique));
    for (const nudge of [0.98, 1.02, 0.9, 1.1]) expect(lossAt(best.params * nudge)).toBeGreaterThan(lossAt(best.params));
  });
});
