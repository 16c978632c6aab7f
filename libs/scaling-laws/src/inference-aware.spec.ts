import { describe, expect, it } from 'vitest';
import { computeInferenceAwareAllocation } from './inference-aware.js';
import { computeOptimalAllocation, predictLoss } from './loss-law.js';
import { CHINCHILLA_TEX, EPOCH_2024 } from './__tests__/published-laws.js';

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('computeInferenceAwareAllocation (Sardana et al. 2024)', () => {
  it('gives the Chinchilla answer exactly without inference demand', () => {
    const free = computeOptimalAllocation(EPOCH_2024, 1e23);
    const aware = computeInferenceAwareAllocation(EPOCH_2024, 1e23, 0);
    expect(aware.params).toBe(free.params);
    expect(aware.tokens).toBe(free.tokens);
    expect(aware.inferenceFlops).toBe(0);
    expect(aware.saving).toBe(0);
  });

  it('approaches the Chinchilla answer as the demand vanishes', () => {
    const free = computeOptimalAllocation(EPOCH_2024, 1e23);
    const aware = computeInferenceAwareAllocation(EPOCH_2024, 1e23, free.tokens * 1e-6);
    expect(relativeError(aware.params, free.params)).toBeLessThan(1e-3);
  });

  it('reaches the same loss as the training-only optimum', () => {
    const aware = computeInferenceAwareAllocation(EPOCH_2024, 1e23, 1e13);
    expect(relativeError(predictLoss(EPOCH_2024, aware.params, aware.tokens), aware.loss)).toBeLessThan(1e-9);
  });

  it('is a minimum of lifetime FLOPs along the iso-loss curve (nudging N either way costs more)', () => {
    const demand = 2e13;
    const aware = computeInferenceAwareAllocation(EPOCH_2024, 1e23, demand);
    const law = EPOCH_2024;
    const lifetimeFlops = (params: number): number => {
      const tokens =
        (law.dataCoeff / (aware.loss - law.irreducibleLoss - law.paramCoeff * params ** -law.paramExponent)) ** (1 / law.dataExponent);
      return 6 * params * tokens + 2 * params * demand;
    };
    expect(relativeError(lifetimeFlops(aware.params), aware.totalFlops)).toBeLessThan(1e-9);
    for (const nudge of [0.98, 1.02, 0.9, 1.1]) expect(lifetimeFlops(aware.params * nudge)).toBeGreaterThan(aware.totalFlops);
  });

  it('shrinks N and raises D/N monotonically as the demand grows', () => {
    const flops = 1e23;
    const free = computeOptimalAllocation(EPOCH_2024, flops);
    let previous = { params: free.params, tokensPerParam: free.tokensPerParam };
    for (const demand of [1e11, 1e12, 1e13, 1e14]) {
      const aware = computeInferenceAwareAllocation(EPOCH_2024, flops, demand);
      expect(aware.params).toBeLessThan(previous.params);
      expect(aware.tokensPerParam).toBeGreaterThan(previous.tokensPerParam);
      previous = aware;
    }
  });

  it('trains a smaller model longer and saves total FLOPs under large demand, although training costs more than the budget', () => {
    const flops = 1e23;
    const aware = computeInferenceAwareAllocation(CHINCHILLA_TEX, flops, 1e14);
    expect(aware.params).toBeLessThan(aware.trainingOnly.params);
    expect(aware.trainingFlops).toBeGreaterThan(flops);
    expect(aware.totalFlops).toBeLessThan(aware.trainingOnly.totalFlops);
    expect(aware.saving).toBeCloseTo(1 - aware.totalFlops / aware.trainingOnly.totalFlops, 12);
    expect(aware.saving).toBeGreaterThan(0);
  });

  it('splits FLOPs as 6·N·D_tr vs 2·N·D_inf: equal exactly when D_inf = 3·D_tr', () => {
    const aware = computeInferenceAwareAllocation(EPOCH_2024, 1e22, 5e12);
    expect(relativeError(aware.trainingFlops / aware.inferenceFlops, (3 * aware.tokens) / aware.inferenceTokens)).toBeLessThan(1e-12);
    const chinchilla = aware.trainingOnly;
    const atThreeTimes = computeInferenceAwareAllocation(EPOCH_2024, 1e22, 3 * chinchilla.tokens).trainingOnly;
    expect(relativeError(atThreeTimes.trainingFlops, atThreeTimes.inferenceFlops)).toBeLessThan(1e-12);
  });

  it('refuses negative or non-finite demand, naming it', () => {
    expect(() => computeInferenceAwareAllocation(EPOCH_2024, 1e22, -1)).toThrow(/inferenceTokens/);
    expect(() => computeInferenceAwareAllocation(EPOCH_2024, 1e22, Number.POSITIVE_INFINITY)).toThrow(/inferenceTokens/);
  });
});
