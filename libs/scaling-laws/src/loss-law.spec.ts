import { describe, expect, it } from 'vitest';
import { ScalingLawError } from './errors.js';
import { computeIsoFlopAllocation } from './iso-flop-allocation.js';
import { checkLossLaw, computeOptimalAllocation, frontierExponents, predictLoss } from './loss-law.js';
import { allocateWithPowerLaw, powerLawFromLossLaw } from './power-law.js';
import { FLOPS_PER_PARAM_TOKEN } from './transformer-flops.js';
import { EPOCH_2024, CHINCHILLA_TEX } from './__tests__/published-laws.js';

const epoch = EPOCH_2024;
const chinchillaTex = CHINCHILLA_TEX;
const budgets = Array.from({ length: 13 }, (_, k) => 10 ** (15 + k)); // 1e15 … 1e27
const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('computeOptimalAllocation', () => {
  it.each(budgets)('spends exactly the budget: 6·N·D = C to 1e-12 (C = %s)', (flops) => {
    for (const law of [epoch, chinchillaTex]) {
      const { params, tokens } = computeOptimalAllocation(law, flops);
      expect(relativeError(FLOPS_PER_PARAM_TOKEN * params * tokens, flops)).toBeLessThan(1e-12);
    }
  });

  it('matches the published anchors (science.md §5)', () => {
    expect(relativeError(computeOptimalAllocation(epoch, 1e21).params, 2.778e9)).toBeLessThan(1e-3);
    expect(relativeError(computeOptimalAllocation(epoch, 1e21).tokens, 5.999e10)).toBeLessThan(1e-3);
    expect(relativeError(computeOptimalAllocation(chinchillaTex, 5.76e23).params, 4.04e10)).toBeLessThan(2e-3);
    const { a, G } = frontierExponents(epoch);
    expect(a).toBeCloseTo(0.5126, 4);
    expect(G).toBeCloseTo(0.1196, 4);
  });

  it.each(budgets)('is a minimum along the IsoFLOP curve: ±10%% nudges of N raise the loss (C = %s)', (flops) => {
    const best = computeOptimalAllocation(epoch, flops);
    const lossAt = (params: number) => predictLoss(epoch, params, flops / (FLOPS_PER_PARAM_TOKEN * params));
    expect(best.loss).toBe(lossAt(best.params));
    for (const nudge of [0.9, 1.1]) expect(lossAt(best.params * nudge)).toBeGreaterThan(lossAt(best.params));
  });

  it.each(budgets)('equals the numeric IsoFLOP allocation under 6ND to 1e-9 (C = %s)', (flops) => {
    for (const law of [epoch, chinchillaTex]) {
      const closed = computeOptimalAllocation(law, flops);
      const numeric = computeIsoFlopAllocation(law, flops, (params) => FLOPS_PER_PARAM_TOKEN * params);
      expect(relativeError(numeric.params, closed.params)).toBeLessThan(1e-9);
      expect(relativeError(numeric.tokens, closed.tokens)).toBeLessThan(1e-9);
    }
  });

  it('numeric allocation handles a FLOP model with an attention term (more FLOPs per token → smaller D)', () => {
    const withAttention = (params: number) => 6 * params + 1e7; // fixed per-token overhead
    const plain = computeOptimalAllocation(epoch, 1e21);
    const numeric = computeIsoFlopAllocation(epoch, 1e21, withAttention);
    expect(relativeError(withAttention(numeric.params) * numeric.tokens, 1e21)).toBeLessThan(1e-12);
    expect(numeric.tokens).toBeLessThan(plain.tokens);
  });

  it('agrees with its power-law form k_N·C^a, k_D·C^b', () => {
    const mapping = powerLawFromLossLaw(epoch);
    for (const flops of budgets) {
      const p = allocateWithPowerLaw(mapping, flops);
      const c = computeOptimalAllocation(epoch, flops);
      expect(relativeError(p.params, c.params)).toBeLessThan(1e-12);
      expect(relativeError(p.tokens, c.tokens)).toBeLessThan(1e-12);
      expect(p.loss).toBeNull();
    }
  });

  it.each([
    [0, 'NonPositiveInput'],
    [-1e21, 'NonPositiveInput'],
    [Number.NaN, 'NonFiniteInput'],
    [Number.POSITIVE_INFINITY, 'NonFiniteInput'],
  ])('refuses flops = %s with %s', (flops, code) => {
    expect(() => computeOptimalAllocation(epoch, flops)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a law with a non-positive exponent, naming the field', () => {
    expect(() => checkLossLaw({ ...epoch, dataExponent: 0 })).toThrow(/dataExponent must be > 0/);
    expect(() => frontierExponents({ ...epoch, paramCoeff: Number.NaN })).toThrow(ScalingLawError);
  });
});
