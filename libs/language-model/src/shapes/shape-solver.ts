import type { TransformerShape } from '@scaleplan/scaling-laws';
import { LanguageModelError } from '../errors.js';
import { blockParameters, countParameters } from './parameter-count.js';

/**
 * Aspect ratio d_model / layers. Kaplan et al. (2020, Fig. 5) found loss flat for ratios between about 20
 * and 200 (Chinchilla's smallest models, Table A9, sit at 64). At the CPU sweep sizes (N = 1e4–1e6) a ratio
 * of 64 gives one layer up to N ≈ 2e5, and one-layer models plateau near the unigram entropy for a
 * seed-dependent time (issue 11); 32 gives two layers from N ≈ 2.5e4 and four at 1e6, inside the flat range.
 */
export const ASPECT_RATIO = 32;
/**
 * Two layers at least (induction-style attention needs a composition of two), once the model is big enough
 * for two layers of width {@link MIN_TWO_LAYER_MODEL_DIM}; below that one layer (toy sizes only).
 */
export const MIN_LAYERS = 2;
export const MIN_TWO_LAYER_MODEL_DIM = 16;
/**
 * Head widths. 64 (GPT-2, Chinchilla's kv_size) leaves every CPU-sweep size with one head, and a single head
 * looked seed-sensitive here (N_total = 6e4, D = 555K: 2.6% between two seeds with one head of 39, 0.4% with
 * two heads of 19 — though three seeds of the final two-head shape still spread 3.1%, docs/worker.md). So
 * small models get as many heads of at least {@link MIN_HEAD_DIM} as fit, up to {@link SMALL_MODEL_MAX_HEADS};
 * wide models return to heads of about {@link TARGET_HEAD_DIM}.
 */
export const MIN_HEAD_DIM = 16;
export const SMALL_MODEL_MAX_HEADS = 4;
export const TARGET_HEAD_DIM = 64;
/** The MLP is 4·d_model wide by convention; the solver moves it within these bounds to hit N exactly. */
export const FF_RATIO = 4;
export const MIN_FF_RATIO = 2;
export const MAX_FF_RATIO = 8;
export const MIN_MODEL_DIM = 8;
export const MAX_LAYERS = 256;
export const MAX_MODEL_DIM = 32_768;
/** The solver's guarantee: |exact − target| / target ≤ this. */
export const SHAPE_TOLERANCE = 0.02;

/** Defaults: byte-level vocabulary, 64-token sequences (short sequences are faster on the wasm backend). */
export const DEFAULT_VOCAB_SIZE = 256;
export const DEFAULT_SEQUENCE_LENGTH = 64;

export interface ShapeOptions {
  /** @default 256 (bytes) */
  readonly vocabSize?: number;
  /** @default 64 */
  readonly sequenceLength?: number;
}

/** A solved shape with its exact counts. */
export interface SolvedShape {
  readonly shape: TransformerShape;
  /** The target N that was asked for. */
  readonly targetParams: number;
  /** Exact non-embedding parameters of `shape`. */
  readonly params: number;
  /** Exact total parameters (embeddings included). */
  readonly paramsTotal: number;
  /** (params − target) / target */
  readonly relativeError: number;
}

/**
 * Heads for a given width: ⌊d_model / 16⌋ (every head at least 16 wide), at most 4 until d_model / 64 asks for
 * more; at least one.
 */
export const headsFor = (modelDim: number): number =>
  Math.max(1, Math.min(Math.floor(modelDim / MIN_HEAD_DIM), Math.max(SMALL_MODEL_MAX_HEADS, Math.round(modelDim / TARGET_HEAD_DIM))));

/** Smallest N built with {@link MIN_LAYERS} layers (d_model {@link MIN_TWO_LAYER_MODEL_DIM}, MLP 4·d_model). */
export const MIN_TWO_LAYER_PARAMS =
  MIN_LAYERS * blockParameters(MIN_TWO_LAYER_MODEL_DIM, MIN_TWO_LAYER_MODEL_DIM, FF_RATIO * MIN_TWO_LAYER_MODEL_DIM) +
  2 * MIN_TWO_LAYER_MODEL_DIM;

/**
 * Layers chosen by the aspect rule: N ≈ 12·L·d² with d = 32·L gives L = (N / (12·32²))^(1/3); at least
 * {@link MIN_LAYERS} from {@link MIN_TWO_LAYER_PARAMS} on.
 */
export const layersFor = (targetParams: number): number => {
  const minimum = targetParams >= MIN_TWO_LAYER_PARAMS ? MIN_LAYERS : 1;
  return Math.min(MAX_LAYERS, Math.max(minimum, Math.round(Math.cbrt(targetParams / (12 * ASPECT_RATIO ** 2)))));
};

function shapeOf(layers: number, modelDim: number, ffDim: number, options: Required<ShapeOptions>): TransformerShape {
  const heads = headsFor(modelDim);
  return {
    layers,
    modelDim,
    heads,
    headDim: modelDim / heads,
    ffDim,
    vocabSize: options.vocabSize,
    sequenceLength: options.sequenceLength,
  };
}

function resolveOptions(options: ShapeOptions): Required<ShapeOptions> {
  const resolved = {
    vocabSize: options.vocabSize ?? DEFAULT_VOCAB_SIZE,
    sequenceLength: options.sequenceLength ?? DEFAULT_SEQUENCE_LENGTH,
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value <= 0)
      throw new LanguageModelError('InvalidInput', `${key} must be a positive integer, got ${value}`);
  }
  return resolved;
}

/** The smallest model the solver builds: one layer, d_model 8, one head, MLP 2·d_model. */
export function smallestShape(options: ShapeOptions = {}): TransformerShape {
  return shapeOf(1, MIN_MODEL_DIM, MIN_MODEL_DIM * MIN_FF_RATIO, resolveOptions(options));
}

/** The largest model the solver builds (far beyond what one worker can train; a sanity bound). */
export function largestShape(options: ShapeOptions = {}): TransformerShape {
  return shapeOf(MAX_LAYERS, MAX_MODEL_DIM, MAX_MODEL_DIM * MAX_FF_RATIO, resolveOptions(options));
}

const describe = (shape: TransformerShape): string => {
  const counts = countParameters(shape);
  return `N=${counts.nonEmbedding} (layers ${shape.layers}, d_model ${shape.modelDim}, heads ${shape.heads}, d_ff ${shape.ffDim})`;
};

/**
 * Chooses (layers, d_model, heads, head dim, d_ff) for a target non-embedding parameter count.
 *
 * Rule: layers from the aspect ratio d_model/layers ≈ 32 ({@link layersFor}); heads by {@link headsFor}, d_model a multiple of the head count; among the widths near √(N/12L), the one
 * whose exact-fit MLP width is closest to 4·d_model; then d_ff is rounded so the count is exact to
 * within half an MLP column (< 1% for every d_model ≥ 8).
 * @throws LanguageModelError `InfeasibleSize` with the nearest feasible sizes when N is out of range.
 */
export function solveShape(targetParams: number, options: ShapeOptions = {}): SolvedShape {
  const resolved = resolveOptions(options);
  if (!Number.isFinite(targetParams) || targetParams <= 0) {
    throw new LanguageModelError('InvalidInput', `params must be a positive finite number, got ${targetParams}`);
  }
  const smallest = smallestShape(resolved);
  const largest = largestShape(resolved);
  const minParams = countParameters(smallest).nonEmbedding;
  const maxParams = countParameters(largest).nonEmbedding;
  if (targetParams < minParams * (1 - SHAPE_TOLERANCE)) {
    throw new LanguageModelError(
      'InfeasibleSize',
      `params ${targetParams} is below the smallest feasible model; nearest feasible: ${describe(smallest)}`,
    );
  }
  if (targetParams > maxParams * (1 + SHAPE_TOLERANCE)) {
    throw new LanguageModelError(
      'InfeasibleSize',
      `params ${targetParams} is above the largest feasible model; nearest feasible: ${describe(largest)}`,
    );
  }
  const layers = layersFor(targetParams);
  const estimate = Math.sqrt(targetParams / (12 * layers));
  let best: { shape: TransformerShape; misfit: number } | undefined;
  const low = Math.max(MIN_MODEL_DIM, Math.floor(estimate * 0.7));
  const high = Math.min(MAX_MODEL_DIM, Math.ceil(estimate * 1.4) + 1);
  for (let modelDim = low; modelDim <= high; modelDim += 1) {
    const heads = headsFor(modelDim);
    if (modelDim % heads !== 0) continue;
    // blockParameters is linear in f: fixed part + f·(2d + 1).
    const fixed = blockParameters(modelDim, modelDim, 0);
    const perLayerTarget = (targetParams - 2 * modelDim) / layers;
    const exactFf = (perLayerTarget - fixed) / (2 * modelDim + 1);
    const ffDim = Math.round(exactFf);
    if (ffDim < MIN_FF_RATIO * modelDim || ffDim > MAX_FF_RATIO * modelDim) continue;
    const misfit = Math.abs(exactFf / (FF_RATIO * modelDim) - 1);
    if (!best || misfit < best.misfit) best = { shape: shapeOf(layers, modelDim, ffDim, resolved), misfit };
  }
  // Near the extremes the aspect rule's layer count may leave no width in range: clamp to the bounds.
  const shape =
    best?.shape ?? (targetParams < minParams ? smallest : targetParams > maxParams ? largest : fallbackShape(targetParams, resolved));
  const counts = countParameters(shape);
  return {
    shape,
    targetParams,
    params: counts.nonEmbedding,
    paramsTotal: counts.total,
    relativeError: (counts.nonEmbedding - targetParams) / targetParams,
  };
}

/** One layer, width and MLP solved directly (only reached near the smallest sizes). */
function fallbackShape(targetParams: number, options: Required<ShapeOptions>): TransformerShape {
  let best: TransformerShape = smallestShape(options);
  let bestError = Infinity;
  for (let modelDim = MIN_MODEL_DIM; modelDim <= 64; modelDim += 1) {
    const fixed = blockParameters(modelDim, modelDim, 0);
    const ffDim = Math.round((targetParams - 2 * modelDim - fixed) / (2 * modelDim + 1));
    if (ffDim < MIN_FF_RATIO * modelDim || ffDim > MAX_FF_RATIO * modelDim) continue;
    const candidate = shapeOf(1, modelDim, ffDim, options);
    const error = Math.abs(countParameters(candidate).nonEmbedding - targetParams);
    if (error < bestError) {
      best = candidate;
      bestError = error;
    }
  }
  return best;
}

/**
 * The shape whose total parameter count (embeddings and the output head included) is closest to `targetTotal`:
 * the sizing for sweeps that count total parameters (Pearce & Song 2024; docs/worker.md, "Parameter and FLOP
 * accounting"). Bisects the non-embedding target of {@link solveShape}, whose total grows with it.
 * @throws LanguageModelError `InfeasibleSize` when no model is that small (or large).
 */
export function solveShapeForTotalParams(targetTotal: number, options: ShapeOptions = {}): SolvedShape {
  if (!Number.isFinite(targetTotal) || targetTotal <= 0) {
    throw new LanguageModelError('InvalidInput', `total params must be a positive finite number, got ${targetTotal}`);
  }
  const resolved = resolveOptions(options);
  const smallest = countParameters(smallestShape(resolved));
  if (targetTotal < smallest.total * (1 - SHAPE_TOLERANCE)) {
    throw new LanguageModelError(
      'InfeasibleSize',
      `total params ${targetTotal} is below the smallest feasible model; nearest feasible: ${describe(smallestShape(resolved))}, ${smallest.total} total`,
    );
  }
  let low = Math.log(countParameters(smallestShape(resolved)).nonEmbedding);
  let high = Math.log(targetTotal);
  let best = solveShape(Math.exp(low), resolved);
  for (let i = 0; i < 50 && high - low > 1e-7; i += 1) {
    const middle = (low + high) / 2;
    const solved = solveShape(Math.exp(middle), resolved);
    if (Math.abs(solved.paramsTotal - targetTotal) < Math.abs(best.paramsTotal - targetTotal)) best = solved;
    if (solved.paramsTotal < targetTotal) low = middle;
    else high = middle;
  }
  return best;
}

/**
 * The shape a run trains: the planned one when the job carries it, else the one solved for `params`.
 * The planner sized D for the planned shape's total N, and re-solving would not always give it back (a
 * solved shape's exact N can solve to a neighbouring width). The vocabulary and sequence length are the
 * run's own (the planner assumes 256 tokens; a `char` corpus has fewer).
 * @throws LanguageModelError `InvalidInput` when the planned shape's non-embedding N is not `params`
 *   (within {@link SHAPE_TOLERANCE}): `params` is what admission bounds, so the shape must agree with it.
 */
export function runShape(params: number, planned: TransformerShape | undefined, options: ShapeOptions = {}): TransformerShape {
  if (!planned) return solveShape(params, options).shape;
  const resolved = resolveOptions(options);
  const shape = { ...planned, vocabSize: resolved.vocabSize, sequenceLength: resolved.sequenceLength };
  const nonEmbedding = countParameters(shape).nonEmbedding;
  if (!(Math.abs(nonEmbedding - params) <= SHAPE_TOLERANCE * params)) {
    throw new LanguageModelError('InvalidInput', `the planned shape (${describe(shape)}) does not match params ${params}`);
  }
  return shape;
}
