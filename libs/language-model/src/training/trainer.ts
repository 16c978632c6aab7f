import * as tf from '@tensorflow/tfjs';
import { BackendPreference, selectBackend } from '../backend/select-backend.js';
import { loadCorpus } from '../corpus/corpus-loader.js';
import { heldOutBatches, TrainingStream, type TokenBatch } from '../corpus/token-stream.js';
import { LanguageModelError } from '../errors.js';
import { TransformerModel } from '../model/transformer.model.js';
import { mixSeed } from '../random.js';
import { budgetFlopsPerToken, countParameters } from '../shapes/parameter-count.js';
import { DEFAULT_SEQUENCE_LENGTH, runShape } from '../shapes/shape-solver.js';
import { ADAMW, TRAINING_RECIPE_VERSION, batchSizeFor, learningRateAt, peakLearningRateFor } from '../shapes/training-rules.js';
import { AdamW } from './adamw.js';
import { readCheckpoint, readFinishedResult, removeCheckpoint, writeCheckpoint, writeFinishedResult } from './checkpoint.js';
import type { LossPoint, TrainingProgressEvent, TrainingResult, TrainingRunSpec } from './training.types.js';

/** A loss above EXPLODING_LOSS_FACTOR·ln(V) (twice the loss of a uniform guess) counts as divergence. */
export const EXPLODING_LOSS_FACTOR = 2;
/** Held-out evaluations at this many log-spaced steps (the last one is the final evaluation). */
export const EVAL_POINTS = 8;
/** Held-out sequences of the final evaluation (see {@link TrainerOptions.finalEvalSequences}). */
export const DEFAULT_FINAL_EVAL_SEQUENCES = 4096;

export interface TrainerOptions {
  /** @default 'auto' */
  readonly backend?: BackendPreference;
  /** This run's checkpoint directory; without one the run is not checkpointed (and cannot resume). */
  readonly checkpointDir?: string;
  /**
   * Keep the finished result in the checkpoint directory (and return it if the same run is asked for again)
   * instead of removing the directory. The worker sets it and removes the directory once the queue has
   * accepted the result. @default false
   */
  readonly keepFinishedResult?: boolean;
  /** Time between periodic checkpoints; runs also checkpoint at every held-out evaluation. @default 120000 */
  readonly checkpointIntervalMs?: number;
  /** Called for every loss point; awaited (so a slow consumer slows training rather than queueing up). */
  readonly onProgress?: (event: TrainingProgressEvent) => void | Promise<void>;
  /** Abort → a checkpoint is written at the next step boundary and `train` rejects with {@link TrainingInterruptedError}. */
  readonly signal?: AbortSignal;
  /** Held-out sequences per intermediate evaluation. @default 128 */
  readonly evalSequences?: number;
  /**
   * Held-out sequences for the final evaluation. @default 4096 (262,144 tokens at T = 64: a standard error of
   * about 0.1% of the loss on sotu, well under the 0.5% seed spread the recipe is held to).
   */
  readonly finalEvalSequences?: number;
  /** Target number of training-loss points on the curve. @default 100 */
  readonly trainLossPoints?: number;
  /** Overrides the peak learning rate rule (tests of divergence, LR sweeps). */
  readonly peakLearningRate?: number;
  /** Overrides the batch-size rule, in sequences per step (recipe probes: `npm run bench:seeds`). */
  readonly batchSequences?: number;
  /** Overrides the learning-rate floor, as a fraction of the peak (recipe probes). @default FINAL_LR_FRACTION */
  readonly finalLearningRateFraction?: number;
  /** Stop after this many steps of this call (tests of resume); the run is checkpointed and interrupted. */
  readonly stopAfterSteps?: number;
  readonly onLog?: (fields: Record<string, unknown>, message: string) => void;
}

/** The run stopped on request after writing a checkpoint; retrying it resumes from `step`. */
export class TrainingInterruptedError extends Error {
  override readonly name = 'TrainingInterruptedError';
  constructor(readonly step: number) {
    super(`Training was interrupted at step ${step} after writing a checkpoint`);
  }
}

/** Log-spaced evaluation steps in [1, totalSteps], always including the last one. */
export function evaluationSteps(totalSteps: number, points = EVAL_POINTS): Set<number> {
  const steps = new Set<number>([totalSteps]);
  for (let i = 0; i < points; i += 1) steps.add(Math.max(1, Math.round(totalSteps ** (i / (points - 1)))));
  return steps;
}

/**
 * One optimiser step: loss and gradients, global gradient norm, then (unless the loss or the norm is
 * non-finite or above `skipAbove`) a clipped AdamW update. Returns the loss and norm read back from the backend.
 */
export function trainingStep(
  model: TransformerModel,
  optimizer: AdamW,
  batch: TokenBatch,
  lr: number,
  skipAbove = Infinity,
): { loss: number; gradientNorm: number } {
  const { loss, gradients } = model.lossAndGradients(batch);
  const norm = AdamW.globalNorm(gradients);
  const lossValue = loss.dataSync()[0]!;
  const normValue = norm.dataSync()[0]!;
  if (Number.isFinite(lossValue) && Number.isFinite(normValue) && lossValue <= skipAbove) {
    const clipScale = normValue > ADAMW.gradientClipNorm ? ADAMW.gradientClipNorm / (normValue + 1e-6) : 1;
    optimizer.apply(gradients, lr, clipScale);
  }
  tf.dispose([loss, norm, ...gradients]);
  return { loss: lossValue, gradientNorm: normValue };
}

/** A held-out loss (nats/token) with its sampling error. */
export interface HeldOutLoss {
  readonly mean: number;
  /**
   * Standard error of the mean over the held-out windows, from the spread of the per-batch means (batches
   * of evenly spaced windows, so neighbouring-token correlation stays inside a batch and is accounted for).
   */
  readonly standardError: number | undefined;
  readonly tokens: number;
}

/** Token-weighted mean of per-batch NLL sums, and its standard error from the batch means. */
export function heldOutLoss(batchSums: number[], batchTokens: number[]): HeldOutLoss {
  const tokens = batchTokens.reduce((a, b) => a + b, 0);
  const mean = batchSums.reduce((a, b) => a + b, 0) / tokens;
  const k = batchSums.length;
  if (k < 2) return { mean, standardError: undefined, tokens };
  // Weighted variance of batch means (weights = tokens), then SE of the weighted mean ≈ sd / √k_eff.
  let variance = 0;
  batchSums.forEach((sum, i) => {
    const w = batchTokens[i]! / tokens;
    variance += w * (sum / batchTokens[i]! - mean) ** 2;
  });
  const effective = 1 / batchTokens.reduce((acc, n) => acc + (n / tokens) ** 2, 0);
  return { mean, standardError: Math.sqrt((variance * effective) / (effective - 1) / effective), tokens };
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains one model of the exact target size on exactly D tokens (no Nest, no BullMQ: the worker wraps it).
 * Same seed, same backend → bit-identical losses; a checkpointed run resumes exactly.
 */
export class Trainer {
  constructor(private readonly options: TrainerOptions = {}) {}

  async train(spec: TrainingRunSpec): Promise<TrainingResult> {
    const startedAt = performance.now();
    const seed = spec.seed ?? 0;
    const sequenceLength = spec.sequenceLength ?? DEFAULT_SEQUENCE_LENGTH;
    const corpusName = spec.corpus ?? 'moby-dick';
    const tokenizerKind = spec.tokenizer ?? 'byte';
    if (!Number.isInteger(spec.tokens) || spec.tokens <= 0) {
      throw new LanguageModelError('InvalidInput', `tokens must be a positive integer, got ${spec.tokens}`);
    }
    const corpus = loadCorpus(corpusName, tokenizerKind, sequenceLength);
    const shape = runShape(spec.params, spec.shape, { vocabSize: corpus.tokenizer.vocabSize, sequenceLength });
    const counts = countParameters(shape);
    const batchSequences = this.options.batchSequences ?? batchSizeFor(shape, spec.tokens);
    // Evaluation batches keep the shape's largest batch: fewer kernel calls, and the loss of a window does not depend on it.
    const evalBatchSequences = batchSizeFor(shape, Number.POSITIVE_INFINITY);
    const batchTokens = batchSequences * sequenceLength;
    if (spec.tokens < batchTokens) {
      throw new LanguageModelError(
        'TooFewTokens',
        `tokens ${spec.tokens} is smaller than one batch (${batchTokens} tokens = ${batchSequences} sequences of ${sequenceLength}) for params ${spec.params}`,
      );
    }
    const backend = await selectBackend(this.options.backend ?? BackendPreference.Auto);
    const totalSteps = Math.ceil(spec.tokens / batchTokens);
    const flopsPerToken = budgetFlopsPerToken(shape);
    const peakLr = this.options.peakLearningRate ?? peakLearningRateFor(shape);
    const evalSteps = evaluationSteps(totalSteps);
    const trainEvery = Math.max(1, Math.ceil(totalSteps / (this.options.trainLossPoints ?? 100)));
    const evalBatches = heldOutBatches(corpus.heldOut, sequenceLength, evalBatchSequences, this.options.evalSequences ?? 128);
    const finalBatches = heldOutBatches(
      corpus.heldOut,
      sequenceLength,
      evalBatchSequences,
      this.options.finalEvalSequences ?? DEFAULT_FINAL_EVAL_SEQUENCES,
    );
    const fingerprint = JSON.stringify({
      v: 2,
      recipe: TRAINING_RECIPE_VERSION,
      params: spec.params,
      tokens: spec.tokens,
      seed,
      corpus: corpusName,
      tokenizer: tokenizerKind,
      shape,
      peakLr,
      ...(this.options.finalLearningRateFraction !== undefined ? { finalLr: this.options.finalLearningRateFraction } : {}),
    });
    const explodeAbove = EXPLODING_LOSS_FACTOR * Math.log(shape.vocabSize);
    const log = this.options.onLog ?? (() => undefined);

    const dir = this.options.checkpointDir;
    const finished = dir ? readFinishedResult<TrainingResult>(dir, fingerprint) : undefined;
    if (finished) {
      log({ runId: spec.runId, status: finished.status }, 'Returned stored result of finished training run');
      return finished;
    }
    const model = new TransformerModel(shape, mixSeed(seed, 1));
    const optimizer = new AdamW(
      model.variables,
      model.specs.map((s) => s.decay),
    );
    let step = 0;
    let tokens = 0;
    let curve: LossPoint[] = [];
    let lossWindow = { sum: 0, count: 0 };
    let trainSeconds = 0;
    let previousWallSeconds = 0;
    let resumedFromStep: number | undefined;
    let stream = new TrainingStream(corpus.train, sequenceLength, seed);
    const restored = dir ? readCheckpoint(dir, fingerprint) : undefined;
    if (restored) {
      tf.tidy(() => model.variables.forEach((v, i) => v.assign(tf.tensor(restored.parameters[i]!, v.shape))));
      optimizer.restore({ step: restored.optimizerStep, firstMoments: restored.firstMoments, secondMoments: restored.secondMoments });
      ({ step, tokens, curve, lossWindow, trainSeconds } = restored);
      previousWallSeconds = restored.wallSeconds;
      stream = new TrainingStream(corpus.train, sequenceLength, seed, restored.position);
      resumedFromStep = step;
      log({ runId: spec.runId, step, backend: restored.backend }, 'Resumed training run from checkpoint');
    }
    const wallSeconds = (): number => previousWallSeconds + (performance.now() - startedAt) / 1000;
    const checkpoint = (): void => {
      if (!dir) return;
      const state = optimizer.state();
      writeCheckpoint(dir, {
        fingerprint,
        backend,
        step,
        tokens,
        position: stream.position,
        lossWindow: { ...lossWindow },
        curve,
        trainSeconds,
        optimizerStep: state.step,
        parameters: model.variables.map((v) => Float32Array.from(v.dataSync() as Float32Array)),
        firstMoments: state.firstMoments,
        secondMoments: state.secondMoments,
        wallSeconds: wallSeconds(),
      });
      lastCheckpointAt = performance.now();
    };
    let lastCheckpointAt = performance.now();
    const evaluate = async (batches: TokenBatch[]): Promise<HeldOutLoss> => {
      const sums: number[] = [];
      for (const batch of batches) {
        sums.push(model.evaluateSum(batch));
        await yieldToEventLoop(); // a long final evaluation must not starve the queue's lock renewal
      }
      return heldOutLoss(
        sums,
        batches.map((b) => b.targetCount),
      );
    };
    const finish = (status: 'completed' | 'diverged', extra: Partial<TrainingResult>): TrainingResult => {
      model.dispose();
      optimizer.dispose();
      const result: TrainingResult = {
        runId: spec.runId,
        status,
        params: counts.nonEmbedding,
        paramsTotal: counts.total,
        tokens,
        flops: tokens * flopsPerToken,
        shape,
        curve,
        backend,
        simulated: false,
        wallSeconds: wallSeconds(),
        tokensPerSecond: trainSeconds > 0 ? tokens / trainSeconds : 0,
        repetitionFactor: spec.tokens / corpus.train.length,
        recipeVersion: TRAINING_RECIPE_VERSION,
        ...(resumedFromStep !== undefined ? { resumedFromStep } : {}),
        ...extra,
      };
      if (dir && this.options.keepFinishedResult) writeFinishedResult(dir, fingerprint, result);
      else if (dir) removeCheckpoint(dir);
      return result;
    };

    let stepsThisCall = 0;
    let finalEval: HeldOutLoss | undefined;
    while (step < totalSteps) {
      if (this.options.signal?.aborted || (this.options.stopAfterSteps !== undefined && stepsThisCall >= this.options.stopAfterSteps)) {
        checkpoint();
        model.dispose();
        optimizer.dispose();
        throw new TrainingInterruptedError(step);
      }
      const targetCount = Math.min(batchTokens, spec.tokens - tokens);
      const batch = stream.next(batchSequences, targetCount);
      const stepStarted = performance.now();
      const { loss: lossValue, gradientNorm: normValue } = trainingStep(
        model,
        optimizer,
        batch,
        learningRateAt(step, totalSteps, peakLr, shape, batchTokens, this.options.finalLearningRateFraction),
        explodeAbove,
      );
      if (!Number.isFinite(lossValue) || !Number.isFinite(normValue) || lossValue > explodeAbove) {
        const divergence = !Number.isFinite(lossValue)
          ? `loss is ${lossValue}`
          : !Number.isFinite(normValue)
            ? `gradient norm is ${normValue}`
            : `loss ${lossValue.toFixed(3)} exploded above ${explodeAbove.toFixed(3)} (2·ln V)`;
        log({ runId: spec.runId, step: step + 1, reason: divergence }, 'Stopped diverged training run');
        return finish('diverged', { divergedAtStep: step + 1, divergenceReason: divergence });
      }
      trainSeconds += (performance.now() - stepStarted) / 1000;
      step += 1;
      stepsThisCall += 1;
      tokens += targetCount;
      lossWindow.sum += lossValue;
      lossWindow.count += 1;

      const point: LossPoint = { step, tokens, flops: tokens * flopsPerToken };
      if (step % trainEvery === 0 || step === totalSteps) {
        point.trainLoss = lossWindow.sum / lossWindow.count;
        lossWindow = { sum: 0, count: 0 };
      }
      if (evalSteps.has(step)) {
        const heldOut = await evaluate(step === totalSteps ? finalBatches : evalBatches);
        point.evalLoss = heldOut.mean;
        if (step === totalSteps) finalEval = heldOut;
      }
      const reported = point.trainLoss !== undefined || point.evalLoss !== undefined;
      if (reported) curve.push(point);
      // Checkpoint before reporting, so a reported eval point is always recoverable.
      if (
        step < totalSteps &&
        (point.evalLoss !== undefined || performance.now() - lastCheckpointAt > (this.options.checkpointIntervalMs ?? 120_000))
      ) {
        checkpoint();
      }
      if (reported) await this.options.onProgress?.({ runId: spec.runId, step, totalSteps, tokens, point });
      await yieldToEventLoop();
    }
    const finalLoss = curve[curve.length - 1]!.evalLoss!;
    log({ runId: spec.runId, steps: step, tokens, finalLoss, backend }, 'Finished training run');
    const standardError = finalEval?.standardError;
    return finish('completed', {
      finalLoss,
      evalTokens: finalEval!.tokens,
      ...(standardError !== undefined ? { finalLossStdError: standardError } : {}),
    });
  }
}
export { AdamW } from './adamw.js';
