import type { ModelShape } from '@scaleplan/contracts';
import { minimumTokensForOneBatch, smallestTrainableModel, solveShape, DEFAULT_VOCAB_SIZE } from '@scaleplan/language-model/shapes';
import { trainingFlopsPerToken } from '@scaleplan/scaling-laws';

/** What the planner needs to know about the trained model (ScalingLaw spec.model). */
export interface ModelSettings {
  readonly tokenizer: 'byte' | 'char';
  readonly sequenceLength: number;
}

/** A shape chosen for a target size, with its exact counts. */
export interface PlannedShape {
  readonly shape: ModelShape;
  /** Exact non-embedding parameters. */
  readonly params: number;
  readonly paramsTotal: number;
  /** Exact training FLOPs per token (Chinchilla App. F ×3, no embeddings). */
  readonly flopsPerToken: number;
  /** A run of this shape needs at least this many tokens (one optimiser step). */
  readonly minimumTokens: number;
}

/**
 * Vocabulary the planner assumes: 256 for bytes. For characters the worker's vocabulary depends on
 * the corpus; 256 is an upper bound and only affects the embedding count, never N or the FLOP model.
 */
const vocabFor = (_model: ModelSettings): number => DEFAULT_VOCAB_SIZE;

const SHAPE_CACHE_LIMIT = 20_000;
const shapeCache = new Map<string, PlannedShape>();

/**
 * The shape the worker will build for `params` (same solver as the worker). Memoised: studies with the
 * same budgets and prior plan the same sizes, and the solver scans widths, which adds up for large N.
 */
export function planShape(params: number, model: ModelSettings): PlannedShape {
  const key = `${params}|${vocabFor(model)}|${model.sequenceLength}`;
  const cached = shapeCache.get(key);
  if (cached) return cached;
  const planned = solvePlannedShape(params, model);
  if (shapeCache.size >= SHAPE_CACHE_LIMIT) shapeCache.clear();
  shapeCache.set(key, planned);
  return planned;
}

function solvePlannedShape(params: number, model: ModelSettings): PlannedShape {
  const solved = solveShape(params, { vocabSize: vocabFor(model), sequenceLength: model.sequenceLength });
  return {
    shape: solved.shape,
    params: solved.params,
    paramsTotal: solved.paramsTotal,
    flopsPerToken: trainingFlopsPerToken(solved.shape),
    minimumTokens: minimumTokensForOneBatch(solved.shape),
  };
}

/** The smallest trainable model and the FLOPs of its smallest run (one batch): budgets below are refused. */
export function smallestRun(model: ModelSettings): { params: number; minimumTokens: number; minimumFlops: number } {
  const smallest = smallestTrainableModel({ vocabSize: vocabFor(model), sequenceLength: model.sequenceLength });
  return {
    params: smallest.params,
    minimumTokens: smallest.minimumTokens,
    minimumFlops: trainingFlopsPerToken(smallest.shape) * smallest.minimumTokens,
  };
}
