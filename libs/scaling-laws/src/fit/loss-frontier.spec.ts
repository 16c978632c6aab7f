import { describe, expect, it } from 'vitest';
import { computeOptimalAllocation, predictLoss } from '../loss-law.js';
import { syntheticIsoFlopSweep } from '../synthetic.js';
import { EPOCH_2024 } from '../__tests__/published-laws.js';
import { allocateWithPowerLaw, frontierLoss } from '../power-law.js';
import { bootstrapApproach2 } from './bootstrap.js';
import { fitApproach2 } from './fit-approach2.js';
import { fitIsoFlopParabola } from './iso-flop-parabola.js';
import { fitLossFrontier } from './loss-frontier.js';

// Without a floor, the Chinchilla form's optimal loss is exactly a power law in C: L*(C) ∝ C^(−αβ/(α+β)).
const noFloor = { ...EPOCH_2024, irreducibleLoss: 0 };
const budgets = [1e18, 4e18, 1.6e19, 6.4e19];
const { paramExponent: alpha, dataExponent: beta } = noFloor;

describe('fitLossFrontier', () => {
  it('recovers the frontier exponent and extrapolates a held-out budget of a floor-free law', () => {
    const sweep = syntheticIsoFlopSweep(noFloor, { budgets, sizesPerBudget: 9, span: 4 });
    const frontier = fitLossFrontier(fitApproach2(sweep).parabolas);
    expect(frontier.budgets).toBe(4);
    expect(frontier.exponent).toBeCloseTo((alpha * beta) / (alpha + beta), 3);
    const heldOut = 4 * 6.4e19;
    const best = computeOptimalAllocation(noFloor, heldOut);
    expect(frontierLoss(frontier, heldOut) / predictLoss(noFloor, best.params, best.tokens)).toBeCloseTo(1, 3);
  });

  it('under-predicts the loss of a law with a floor far out (no E), which is why it is for small extrapolations', () => {
    const sweep = syntheticIsoFlopSweep(EPOCH_2024, { budgets, sizesPerBudget: 9, span: 4 });
    const frontier = fitLossFrontier(fitApproach2(sweep).parabolas);
    const far = 1e24;
    const best = computeOptimalAllocation(EPOCH_2024, far);
    expect(frontierLoss(frontier, far)).toBeLessThan(predictLoss(EPOCH_2024, best.params, best.tokens));
  });

  it('needs the minima of two budgets', () => {
    const sweep = syntheticIsoFlopSweep(noFloor, { budgets: [1e18], sizesPerBudget: 5 });
    const one = fitIsoFlopParabola(
      1e18,
      sweep.map((o) => o.params),
      sweep.map((o) => o.loss),
    );
    expect(() => fitLossFrontier([one])).toThrow(/needs the minima of at least 2 budgets, got 1 of 1/);
  });
});

describe('Approach 2 with its loss frontier', () => {
  const noisy = syntheticIsoFlopSweep(noFloor, { budgets, sizesPerBudget: 7, span: 8, noise: 0.01, seed: 4 });
  const result = bootstrapApproach2(noisy, { resamples: 80, seed: 2, budgets: [6.4e19, 2.56e20] });

  it('carries the frontier in its mapping, so an allocation predicts a loss', () => {
    const lossFrontier = result.fit.mapping.lossFrontier!;
    expect(lossFrontier.exponent).toBeCloseTo((alpha * beta) / (alpha + beta), 1);
    expect(allocateWithPowerLaw(result.fit.mapping, 2.56e20).loss).toBe(frontierLoss(lossFrontier, 2.56e20));
  });

  it('gives bootstrap intervals of the predicted loss around the full-data frontier', () => {
    for (const allocation of result.allocations) {
      const loss = frontierLoss(result.fit.mapping.lossFrontier!, allocation.flops);
      expect(allocation.loss!.lower).toBeLessThan(loss);
      expect(allocation.loss!.upper).toBeGreaterThan(loss);
    }
    // Extrapolating is less certain than interpolating.
    const width = (i: number): number => result.allocations[i]!.loss!.upper / result.allocations[i]!.loss!.lower;
    expect(width(1)).toBeGreaterThan(width(0));
    const gamma = result.intervals['lossFrontierExponent']!;
    expect(gamma.lower).toBeLessThan(result.fit.mapping.lossFrontier!.exponent);
    expect(gamma.upper).toBeGreaterThan(result.fit.mapping.lossFrontier!.exponent);
  });
});
