import { describe, expect, it } from 'vitest';
import { computeOptimalAllocation, predictLoss } from '../loss-law.js';
import { syntheticIsoFlopSweep } from '../synthetic.js';
import { EPOCH_2024 } from '../__tests__/published-laws.js';
import { bootstrapLossFrontier } from './bootstrap.js';
import { fitApproach2 } from './fit-approach2.js';
import { fitIsoFlopParabola } from './iso-flop-parabola.js';
import { fitLossFrontier, frontierLoss } from './loss-frontier.js';

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

describe('bootstrapLossFrontier', () => {
  const noisy = syntheticIsoFlopSweep(noFloor, { budgets, sizesPerBudget: 7, span: 8, noise: 0.01, seed: 4 });
  const result = bootstrapLossFrontier(noisy, { resamples: 80, seed: 2, budgets: [6.4e19, 2.56e20] });

  it('gives intervals of L*(C) around the full-data frontier at each requested budget', () => {
    expect(result.succeeded + result.failed).toBe(80);
    expect(result.succeeded).toBeGreaterThan(40);
    expect(result.losses.map((l) => l.flops)).toEqual([6.4e19, 2.56e20]);
    for (const { loss, interval } of result.losses) {
      expect(interval.lower).toBeLessThan(loss);
      expect(interval.upper).toBeGreaterThan(loss);
    }
    // Extrapolating is less certain than interpolating.
    const width = (i: number): number => result.losses[i]!.interval.upper / result.losses[i]!.interval.lower;
    expect(width(1)).toBeGreaterThan(width(0));
    expect(result.exponent.lower).toBeLessThan(result.frontier.exponent);
    expect(result.exponent.upper).toBeGreaterThan(result.frontier.exponent);
  });

  it('is reproducible for a seed', () => {
    expect(bootstrapLossFrontier(noisy, { resamples: 80, seed: 2, budgets: [6.4e19, 2.56e20] })).toEqual(result);
  });
});
