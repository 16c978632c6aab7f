import type { ModelShape } from '@scaleplan/contracts';
import {
  budgetFlopsPerToken,
  countParameters,
  minimumTokensForOneBatch,
  smallestTrainableModel,
  solveShapeForTotalParams,
  DEFAULT_VOCAB_SIZE,
} from '@scaleplan/language-model/shapes';

/** What the planner needs to know about the trained model (ScalingLaw spec.model). */
export interface ModelSettings {
  readonly tokenizer: 'byte' | 'char';
  readonly sequenceLength: number;
}

/**
 * A shape chosen for a target size, with its exact counts. Sweeps and allocations count N as `paramsTotal`
 * (docs/worker.md, "Parameter and FLOP accounting"); `params` is what the job payload names.
 */
export interface PlannedShape {
  readonly shape: ModelShape;
  /** Exact non-embedding parameters. */
  readonly params: number;
  /** Exact total parameters (embeddings and output head included): the N of the study. */
  readonly paramsTotal: number;
  /** FLOPs per training token as budgets count them: 6·paramsTotal, so D = C / flopsPerToken. */
  readonly flopsPerToken: number;
  /** A run of this shape needs at least this many tokens (one optimiser step). */
  readonly minimumTokens: number;
}

/**
 * Vocabulary the planner assumes: 256 for bytes. For characters the worker's vocabulary depends on the
 * corpus; 256 is an upper bound, so a `char` run's real total N (which its outcome reports and the fit
 * reads) is smaller than planned and the run spends a little less than its budget.
 */
const vocabFor = (_model: ModelSettings): number => DEFAULT_VOCAB_SIZE;

const SHAPE_CACHE_LIMIT = 20_000;
const shapeCache = new Map<string, PlannedShape>();

/**
 * The shape whose total parameter count is closest to `paramsTotal` (the worker trains this shape as
 * planned). Memoised: studies with the same budgets and prior plan the same sizes, and the solver bisects
 * over width scans, which adds up for large N.
 */
export function planShape(paramsTotal: number, model: ModelSettings): PlannedShape {
  const key = `${paramsTotal}|${vocabFor(model)}|${model.sequenceLength}`;
  const cached = shapeCache.get(key);
  if (cached) return cached;
  const planned = solvePlannedShape(paramsTotal, model);
  if (shapeCache.size >= SHAPE_CACHE_LIMIT) shapeCache.clear();
  shapeCache.set(key, planned);
  return planned;
}

const solvePlannedShape = (paramsTotal: number, model: ModelSettings): PlannedShape =>
  plannedShapeOf(solveShapeForTotalParams(paramsTotal, { vocabSize: vocabFor(model), sequenceLength: model.sequenceLength }).shape);

/** A shape already planned (a run's), with its counts: re-solving its N need not give the same shape back. */
export function plannedShapeOf(shape: ModelShape): PlannedShape {
  const counts = countParameters(shape);
  return {
    shape,
    params: counts.nonEmbedding,
    paramsTotal: counts.total,
    flopsPerToken: budgetFlopsPerToken(shape),
    minimumTokens: minimumTokensForOneBatch(shape),
  };
}

/** The smallest trainable model (total N) and the FLOPs of its smallest run (one batch): budgets below are refused. */
export function smallestRun(model: ModelSettings): { paramsTotal: number; minimumTokens: number; minimumFlops: number } {
  const smallest = smallestTrainableModel({ vocabSize: vocabFor(model), sequenceLength: model.sequenceLength });
  return {
    paramsTotal: smallest.paramsTotal,
    minimumTokens: smallest.minimumTokens,
    minimumFlops: budgetFlopsPerToken(smallest.shape) * smallest.minimumTokens,
  };
}
