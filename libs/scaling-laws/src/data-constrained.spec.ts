import { describe, expect, it } from 'vitest';
import {
  computeDataConstrainedAllocation,
  effectiveParams,
  effectiveTokens,
  EXCESS_PARAMS_HALF_LIFE,
  predictDataConstrainedLoss,
  repetitionWarning,
  REPETITION_HALF_LIFE_EPOCHS,
  uniqueParams,
} from './data-constrained.js';
import { computeOptimalAllocation } from './loss-law.js';
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
    expect(relativeError(effectiveTokens(tokens, unique), unique + unique * REPETITION_HALF_LIFE_EPOCHS * (1 - Math.exp(-1)))).toBeLessThan(
      1e-12,
    );
  });
  it('saturates at U·(1 + R*)', () => {
    const ceiling = 1e9 * (1 + REPETITION_HALF_LIFE_EPOCHS);
    expect(effectiveTokens(2e10, 1e9)).toBeLessThan(ceiling);
    expect(effectiveTokens(1e15, 1e9)).toBeLessThanOrEqual(ceiling);
    expect(relativeError(effectiveTokens(1e15, 1e9), ceiling)).toBeLessThan(1e-12);
  });
  it('refuses non-positive or non-finite unique tokens, naming them', () => {
    expect(() => effectiveTokens(1e9, -1)).toThrow(/uniqueTokens/);
    expect(() => effectiveTokens(1e9, Number.NaN)).toThrow(/uniqueTokens/);
  });
});

describe('effectiveParams (the R*_N term of eq. 5)', () => {
  it('takes U_N as the compute-optimal size for one pass over the unique data', () => {
    const free = computeOptimalAllocation(epoch, 1e22);
    expect(relativeError(uniqueParams(epoch, free.tokens), free.params)).toBeLessThan(1e-9);
  });
  it('discounts parameters beyond U_N with the half-life R*_N', () => {
    expect(effectiveParams(5e9, 1e10)).toBe(5e9);
    const n = 1e10 * (1 + EXCESS_PARAMS_HALF_LIFE);
    expect(relativeError(effectiveParams(n, 1e10), 1e10 * (1 + EXCESS_PARAMS_HALF_LIFE * (1 - Math.exp(-1))))).toBeLessThan(1e-12);
  });
});

describe('computeDataConstrainedAllocation (Muennighoff et al. 2023 eq. 5, both terms)', () => {
  it('equals the closed form when the unique data covers D_opt', () => {
    const free = computeOptimalAllocation(epoch, 1e21);
    const constrained = computeDataConstrainedAllocation(epoch, 1e21, free.tokens * 2);
    expect(constrained.constrained).toBe(false);
    expect(constrained.params).toBe(free.params);
    expect(constrained.effectiveTokens).toBe(free.tokens);
  });

  it('known answer: epoch-2024, C = 1e24, 1e11 unique tokens → ≈ 59.8B parameters, ≈ 27.9 epochs (smaller than the free 95.9B)', () => {
    const free = computeOptimalAllocation(epoch, 1e24);
    expect(relativeError(free.params, 95.9e9)).toBeLessThan(0.01);
    const constrained = computeDataConstrainedAllocation(epoch, 1e24, 1e11);
    expect(relativeError(constrained.params, 59.8e9)).toBeLessThan(0.03);
    expect(relativeError(constrained.repetitionFactor, 27.9)).toBeLessThan(0.03);
    expect(constrained.params).toBeLessThan(free.params);
    expect(relativeError(6 * constrained.params * constrained.tokens, 1e24)).toBeLessThan(1e-12);
  });

  it('is a minimum of the eq. 5 loss along the IsoFLOP curve', () => {
    const flops = 1e23;
    const unique = computeOptimalAllocation(epoch, flops).tokens / 50;
    const best = computeDataConstrainedAllocation(epoch, flops, unique);
    const lossAt = (params: number) => predictDataConstrainedLoss(epoch, params, flops / 6 / params, unique);
    expect(relativeError(best.loss!, lossAt(best.params))).toBeLessThan(1e-12);
    for (const nudge of [0.98, 1.02, 0.9, 1.1]) expect(lossAt(best.params * nudge)).toBeGreaterThan(lossAt(best.params));
  });

  it('predicts a higher loss than the unconstrained law once data repeats', () => {
    const free = computeOptimalAllocation(epoch, 1e24);
    expect(computeDataConstrainedAllocation(epoch, 1e24, 1e11).loss).toBeGreaterThan(free.loss!);
  });
});

describe('repetitionWarning', () => {
  it('is silent up to ~4 epochs and escalates past ~4, ~16 and ~40', () => {
    expect(repetitionWarning(3.9)).toBeUndefined();
    expect(repetitionWarning(5)).toMatch(/returns diminish/);
    expect(repetitionWarning(20)).toMatch(/decays fast/);
    expect(repetitionWarning(45)).toMatch(/close to worthless/);
  });

  it('warns at 1e26 on 1e11 unique tokens (dozens of passes)', () => {
    const at1e26 = computeDataConstrainedAllocation(epoch, 1e26, 1e11);
    expect(at1e26.repetitionFactor).toBeGreaterThan(40);
    expect(repetitionWarning(at1e26.repetitionFactor)).toMatch(/worthless/);
  });
});
