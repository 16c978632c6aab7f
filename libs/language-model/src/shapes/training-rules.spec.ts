import { describe, expect, it } from 'vitest';
import { countParameters } from './parameter-count.js';
import { solveShape } from './shape-solver.js';
import {
  ADAMW,
  batchSizeFor,
  FINAL_LR_FRACTION,
  learningRateAt,
  LR_ANCHOR,
  MIN_BATCH_TOKENS,
  MIN_STEPS_PER_RUN,
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

  it("warms up over N_total tokens of the run's batch, capped at 5% of the run and at least one step", () => {
    const shape = solveShape(1e5).shape;
    const nTokenSteps = Math.ceil(countParameters(shape).total / 2048);
    expect(warmupStepsFor(10_000, shape, 2048)).toBe(nTokenSteps);
    expect(warmupStepsFor(100_000, shape, 256)).toBe(Math.ceil(countParameters(shape).total / 256));
    expect(warmupStepsFor(200, shape, 2048)).toBe(10);
    expect(warmupStepsFor(3, shape, 2048)).toBe(1);
  });

  it('ramps linearly to the peak, then decays by a cosine to 10% at the last step', () => {
    const shape = solveShape(1e5).shape;
    const warmup = warmupStepsFor(1000, shape, 2048);
    expect(learningRateAt(0, 1000, 1, shape, 2048)).toBeCloseTo(1 / warmup, 12);
    expect(learningRateAt(warmup - 1, 1000, 1, shape, 2048)).toBeCloseTo(1, 12);
    expect(learningRateAt(999, 1000, 1, shape, 2048)).toBeGreaterThan(FINAL_LR_FRACTION);
    expect(learningRateAt(1000, 1000, 1, shape, 2048)).toBeCloseTo(FINAL_LR_FRACTION, 12);
  });

  it('takes the largest batch for long runs and halves it until a short run takes 1,000 steps, down to 256 tokens', () => {
    const shape = solveShape(1e5).shape; // T = 64: the largest batch is 32 sequences (2,048 tokens)
    expect(batchSizeFor(shape, Number.POSITIVE_INFINITY)).toBe(32);
    expect(batchSizeFor(shape, MIN_STEPS_PER_RUN * 2048)).toBe(32);
    expect(batchSizeFor(shape, MIN_STEPS_PER_RUN * 2048 - 1)).toBe(16);
    expect(batchSizeFor(shape, MIN_STEPS_PER_RUN * 512)).toBe(8);
    expect(batchSizeFor(shape, 354_323)).toBe(MIN_BATCH_TOKENS / 64); // bench:seeds' 47K at 1e11: 1,384 steps
    expect(batchSizeFor(shape, 1000)).toBe(4);
    expect(minimumTokensForOneBatch(shape)).toBe(MIN_BATCH_TOKENS);
    const large = solveShape(8e6).shape; // N^(1/3) growth: 4,096 tokens
    expect(batchSizeFor(large, Number.POSITIVE_INFINITY) * large.sequenceLength).toBe(4096);
  });

  it('uses AdamW β2 = 0.99 for the small batches of CPU sweeps', () => {
    expect(ADAMW.beta2).toBe(0.99);
  });
});
