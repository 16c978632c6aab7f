import type { TransformerShape } from '@scaleplan/scaling-laws';
import { countParameters } from './parameter-count.js';
import { smallestShape, type ShapeOptions } from './shape-solver.js';

/**
 * Bumped whenever a rule below changes what a run computes (checkpoints of an older recipe are not resumed).
 * 2: issue 11 recipe — two layers, 32-wide heads, LR ∝ N^(-1/3), warm-up of N tokens, β2 = 0.99.
 * 3: the batch shrinks (to 256 tokens at least) until the run takes {@link MIN_STEPS_PER_RUN} steps.
 */
export const TRAINING_RECIPE_VERSION = 3;

/**
 * The largest batch, in tokens per optimiser step: 2,048 up to N = 1e6 (32 sequences of 64 tokens), then growing
 * as N^(1/3) rounded to a power of two, because the critical batch size grows as the loss falls (Kaplan et al.
 * 2020 §5.1; McCandlish et al. 2018).
 */
export const BASE_BATCH_TOKENS = 2048;
export const BATCH_GROWTH_FROM_PARAMS = 1e6;

/**
 * Runs shorter than this many steps at the largest batch get smaller batches (halved until they take this
 * many steps, down to {@link MIN_BATCH_TOKENS}). Measured with `npm run bench:seeds` (docs/worker.md): at the
 * same FLOPs, 47K parameters on 354K bytes went from 2.380 (172 steps of 2,048 tokens) to 2.130 (1,384 steps of
 * 256), 33K on 250K bytes from 2.422 to 2.265, while a run that already had 2,793 steps gained 0.45% from 4× more.
 * A fixed batch starves the larger models of each IsoFLOP budget of steps and tilts the profiles toward small N.
 */
export const MIN_STEPS_PER_RUN = 1000;
/** The smallest batch in tokens: 4 sequences of 64. Below it tokens per second fall (kernel-call overhead). */
export const MIN_BATCH_TOKENS = 256;

/** Sequences per step for a shape trained on `tokens` tokens (at least one). */
export function batchSizeFor(shape: TransformerShape, tokens: number): number {
  const params = countParameters(shape).nonEmbedding;
  const growth = Math.max(1, (params / BATCH_GROWTH_FROM_PARAMS) ** (1 / 3));
  let batchTokens = 2 ** Math.round(Math.log2(BASE_BATCH_TOKENS * growth));
  while (batchTokens / 2 >= MIN_BATCH_TOKENS && tokens / batchTokens < MIN_STEPS_PER_RUN) batchTokens /= 2;
  return Math.max(1, Math.round(batchTokens / shape.sequenceLength));
}

/** Training tokens in the smallest batch; a run needs at least this many (the planner refuses smaller D). */
export const minimumTokensForOneBatch = (shape: TransformerShape): number =>
  Math.max(1, Math.round(MIN_BATCH_TOKENS / shape.sequenceLength)) * shape.sequenceLength;

/**
 * Peak learning rate: {@link LR_ANCHOR} at N = 1e5 non-embedding parameters, scaled as N^(-1/3) and clamped
 * to [1e-4, 3e-2]. The exponent follows Porian et al. (2024), whose per-size tuning found the optimal LR
 * falling roughly as N^(-1/3) at small scale; the anchor is the best of a tuning sweep run on this machine
 * (docs/worker.md, "Training recipe").
 */
export const LR_ANCHOR = 6e-3;
export const LR_SIZE_EXPONENT = -1 / 3;
export function peakLearningRateFor(shape: TransformerShape): number {
  const params = countParameters(shape).nonEmbedding;
  return Math.min(3e-2, Math.max(1e-4, LR_ANCHOR * (params / 1e5) ** LR_SIZE_EXPONENT));
}

/**
 * Warm-up: as many steps as it takes to see N tokens (total parameters; Porian et al. 2024 found longer
 * warm-ups hurt small models), at most 5% of the run and at least one step.
 */
export function warmupStepsFor(totalSteps: number, shape: TransformerShape, batchTokens: number): number {
  const cap = Math.max(1, Math.round(totalSteps * 0.05));
  const steps = Math.ceil(countParameters(shape).total / batchTokens);
  return Math.max(1, Math.min(cap, steps));
}

/** The learning-rate floor as a fraction of the peak (Hoffmann et al. 2022 decay to 10%). */
export const FINAL_LR_FRACTION = 0.1;

/**
 * Learning rate at a 0-based step: linear warm-up to the peak, then a cosine to `finalFraction` (10%) of the peak
 * whose cycle ends exactly at the run's last step (the cosine length equals the run's own token count).
 */
export function learningRateAt(
  step: number,
  totalSteps: number,
  peak: number,
  shape: TransformerShape,
  batchTokens: number,
  finalFraction: number = FINAL_LR_FRACTION,
): number {
  const warmup = warmupStepsFor(totalSteps, shape, batchTokens);
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const span = Math.max(1, totalSteps - warmup);
  const progress = Math.min(1, (step - warmup) / span);
  return peak * (finalFraction + (1 - finalFraction) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/**
 * AdamW hyper-parameters: GPT-3 / Chinchilla's β1, weight decay and clipping, with β2 = 0.99 rather than 0.95
 * because the batches here are small (2,048 tokens): Porian et al. (2024) found β2 = 0.95 unstable and
 * worse at small batch sizes.
 */
export const ADAMW = { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1, gradientClipNorm: 1 } as const;

/** The smallest model a worker trains, with its minimum token count. */
export function smallestTrainableModel(options: ShapeOptions = {}): {
  shape: TransformerShape;
  params: number;
  paramsTotal: number;
  minimumTokens: number;
} {
  const shape = smallestShape(options);
  const counts = countParameters(shape);
  return { shape, params: counts.nonEmbedding, paramsTotal: counts.total, minimumTokens: minimumTokensForOneBatch(shape) };
}
