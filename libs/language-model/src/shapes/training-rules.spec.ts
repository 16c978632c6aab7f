import { describe, expect, it } from 'vitest';
import { countParameters } from './parameter-count.js';
import { solveShape } from './shape-solver.js';
import {
  ADAMW,
  FINAL_LR_FRACTION,
  learningRateAt,
  LR_ANCHOR,
  minimumTokensForOneBatch,
  peakLearningRateFor,
  warmupStepsFor,
} from './training-rules.js';

describe('training recipe rules', () => {
  it('scales the peak learning rate as N^(-1/3) from the anchor at N = 1e5', () => {
    const small = solveShape(1e4).shape;
    const anchor = solveShape(1e5).shape;
    const large = solveShape(1e6).shape;
    const at = (shape: typeof anchor): number => countParameters(shape).nonEmbedding;
    expect(peakLearningRateFor(anchor)).toBeCloseTo(LR_ANCHOR * (at(anchor) / 1e5) ** (-1 / 3), 12);
    expect(peakLearningRateFor(small) / peakLearningRateFor(large)).toBeCloseTo((at(large) / at(small)) ** (1 / 3), 6);
  });

  it('warms up over N_total tokens, capped at 5% of the run and at least one step', () => {
    const shape = solveShape(1e5).shape;
    const nTokenSteps = Math.ceil(countParameters(shape).total / minimumTokensForOneBatch(shape));
    expect(warmupStepsFor(10_000, shape)).toBe(nTokenSteps);
    expect(warmupStepsFor(200, shape)).toBe(10);
    expect(warmupStepsFor(3, shape)).toBe(1);
  });

  it('ramps linearly to the peak, then decays by a cosine to 10% at the last step', () => {
    const shape = solveShape(1e5).shape;
    const warmup = warmupStepsFor(1000, shape);
    expect(learningRateAt(0, 1000, 1, shape)).toBeCloseTo(1 / warmup, 12);
    expect(learningRateAt(warmup - 1, 1000, 1, shape)).toBeCloseTo(1, 12);
    expect(learningRateAt(999, 1000, 1, shape)).toBeGreaterThan(FINAL_LR_FRACTION);
    expect(learningRateAt(1000, 1000, 1, shape)).toBeCloseTo(FINAL_LR_FRACTION, 12);
  });

  it('uses AdamW β2 = 0.99 for the small batches of CPU sweeps', () => {
    expect(ADAMW.beta2).toBe(0.99);
  });
});
