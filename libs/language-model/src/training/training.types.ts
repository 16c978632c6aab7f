import type { TransformerShape } from '@scaleplan/scaling-laws';

/** What to train: the fields of a TrainRun job that matter to the Trainer. */
export interface TrainingRunSpec {
  readonly runId: string;
  /** Target non-embedding parameter count N (the solver's input when no `shape` is given). */
  readonly params: number;
  /** The planned shape: trained as it is, with the corpus's vocabulary (see `runShape`). */
  readonly shape?: TransformerShape;
  /** Exact number of training tokens D. */
  readonly tokens: number;
  /** @default 0 */
  readonly seed?: number;
  /** `moby-dick`, `sotu`, or a path. @default 'moby-dick' */
  readonly corpus?: string;
  /** @default 'byte' */
  readonly tokenizer?: string;
  /** @default 64 */
  readonly sequenceLength?: number;
}

/** One point of a loss curve (nats/token), with the training tokens and FLOPs spent so far. */
export interface LossPoint {
  step: number;
  tokens: number;
  flops: number;
  trainLoss?: number;
  evalLoss?: number;
}

/** A run's result; structurally the `TrainingOutcome` of the job catalog. */
export interface TrainingResult {
  runId: string;
  status: 'completed' | 'diverged';
  params: number;
  paramsTotal: number;
  tokens: number;
  flops: number;
  finalLoss?: number;
  /** Held-out tokens of the final evaluation. */
  evalTokens?: number;
  /** Standard error of `finalLoss` as an estimate of the held-out split's loss (sampling of its windows). */
  finalLossStdError?: number;
  divergedAtStep?: number;
  divergenceReason?: string;
  shape: TransformerShape;
  curve: LossPoint[];
  backend: string;
  simulated: boolean;
  wallSeconds: number;
  tokensPerSecond: number;
  repetitionFactor: number;
  resumedFromStep?: number;
  /** `TRAINING_RECIPE_VERSION` of the rules that trained it (absent for simulated runs). */
  recipeVersion?: number;
}

/** Progress reported while training (train-loss points every k steps, eval points at log-spaced steps). */
export interface TrainingProgressEvent {
  runId: string;
  step: number;
  totalSteps: number;
  tokens: number;
  point?: LossPoint;
}
