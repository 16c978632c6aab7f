import { z } from 'zod';
import { ADMISSION_LIMITS } from './admission/admission-limits.js';
import { budgetFlopsSchema } from './admission/bounded-numbers.js';
import { corpusReferenceSchema } from './admission/corpus-reference.js';
import { dnsLabelSchema } from './admission/object-names.js';

/**
 * The producer/worker protocol in one place: queue names, job names, payload and result schemas.
 * The control plane is the only producer, apps/worker the only consumer.
 */
export const QueueName = { Runs: 'runs' } as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = { TrainRun: 'TrainRun' } as const;
export type JobName = (typeof JobName)[keyof typeof JobName];

/** BullMQ key prefix used when none is configured (keys look like `scaleplan:runs:wait`). */
export const DEFAULT_QUEUE_PREFIX = 'scaleplan';

/** Final runs jump the queue: BullMQ priorities are "lower number first". */
export const RunPriority = { Final: 1, Sweep: 10 } as const;

export const objectRefSchema = z.object({
  namespace: z.string().min(1),
  name: z.string().min(1),
});
export type ObjectRef = z.infer<typeof objectRefSchema>;

export const RunKind = { Sweep: 'sweep', Final: 'final' } as const;
export type RunKind = (typeof RunKind)[keyof typeof RunKind];

const lawCoefficient = z
  .number()
  .positive()
  .max(
    ADMISSION_LIMITS.maxLawCoefficient,
    `must be at most ${ADMISSION_LIMITS.maxLawCoefficient.toExponential(0)} (published fits are 400–2,100)`,
  );
const lawExponent = z
  .number()
  .positive()
  .max(ADMISSION_LIMITS.maxLawExponent, `must be at most ${ADMISSION_LIMITS.maxLawExponent} (published fits are 0.07–0.8)`);

/** L(N, D) = E + A/N^α + B/D^β with named fields (used to drive simulated runs), bounded so losses and fits stay finite. */
export const lossLawSchema = z.object({
  irreducibleLoss: z
    .number()
    .nonnegative()
    .max(ADMISSION_LIMITS.maxIrreducibleLoss, `must be at most ${ADMISSION_LIMITS.maxIrreducibleLoss} nats/token`),
  paramCoeff: lawCoefficient,
  dataCoeff: lawCoefficient,
  paramExponent: lawExponent,
  dataExponent: lawExponent,
});

/**
 * Simulated training: the loss curve comes from `law` plus seeded multiplicative log-normal noise of
 * standard deviation `noise`, at no compute cost. Results are always labelled `simulated: true`.
 */
export const simulationSchema = z.object({
  law: lossLawSchema,
  /** σ of the log-normal noise on each reported loss. @default 0.005 */
  noise: z.number().finite().nonnegative().max(1).default(0.005),
  /** Simulated wall time per run in milliseconds (for load tests and demos). @default 0 */
  durationMs: z.number().int().nonnegative().max(3_600_000).default(0),
});

export const TokenizerKind = { Byte: 'byte', Char: 'char' } as const;

export const modelShapeSchema = z.object({
  layers: z.number().int().positive(),
  modelDim: z.number().int().positive(),
  heads: z.number().int().positive(),
  headDim: z.number().int().positive(),
  ffDim: z.number().int().positive(),
  vocabSize: z.number().int().positive(),
  sequenceLength: z.number().int().positive(),
});
export type ModelShape = z.infer<typeof modelShapeSchema>;

/**
 * Payload of a `TrainRun` job: train one model of ~`params` non-embedding parameters on exactly `tokens` tokens.
 * The training recipe (shape rule, learning rate, warm-up, AdamW settings, evaluation) does not travel here: it
 * is the worker's, versioned as `TRAINING_RECIPE_VERSION` of `@scaleplan/language-model` and echoed in the
 * outcome's `recipeVersion` (docs/worker.md, "Training recipe").
 */
export const trainRunSchema = z.object({
  /** Owner of the run (a ScalingLaw for sweep runs, a ComputeBudget for final runs): the admission contract's names. */
  owner: z.object({ namespace: dnsLabelSchema, name: dnsLabelSchema }),
  /** Unique within the owner; with the owner it makes the deterministic job id. */
  runId: z
    .string()
    .max(ADMISSION_LIMITS.maxRunIdLength)
    .regex(/^[a-z0-9][a-z0-9.-]*$/, 'runId must be lower-case alphanumerics, dots and dashes'),
  kind: z.enum([RunKind.Sweep, RunKind.Final]),
  /** Target non-embedding parameter count N. */
  params: z
    .number()
    .positive()
    .max(
      ADMISSION_LIMITS.maxRunParams,
      `must be at most ${ADMISSION_LIMITS.maxRunParams.toExponential(0)}: larger than any model the worker can shape`,
    ),
  /** Exact number of training tokens D to consume. */
  tokens: z
    .number()
    .int()
    .positive()
    .max(
      ADMISSION_LIMITS.maxRunTokens,
      `must be at most ${ADMISSION_LIMITS.maxRunTokens} (2^53 − 1), the largest count a double holds exactly`,
    ),
  seed: z.number().int().nonnegative().max(ADMISSION_LIMITS.maxRunSeed).default(0),
  /** `moby-dick`, `sotu`, or a path relative to the worker's data directory (checked again on disk before it is opened). */
  corpus: corpusReferenceSchema.default('moby-dick'),
  tokenizer: z.enum([TokenizerKind.Byte, TokenizerKind.Char]).default(TokenizerKind.Byte),
  sequenceLength: z.number().int().min(8).max(4096).default(64),
  /** The IsoFLOP budget this sweep run belongs to (FLOPs), for bookkeeping and plots. */
  budgetFlops: budgetFlopsSchema.optional(),
  simulate: simulationSchema.optional(),
  /**
   * The planned shape, trained as it is (with the corpus's vocabulary): its total N is what D was sized for,
   * and re-solving `params` need not give it back. Trainers other than the built-in one get it through the trainer contract.
   */
  shape: modelShapeSchema.optional(),
});
export type TrainRunInput = z.input<typeof trainRunSchema>;

/** One point of a run's loss curve. Losses are in nats per token. */
export const lossPointSchema = z.object({
  step: z.number().int().nonnegative(),
  tokens: z.number().nonnegative(),
  flops: z.number().nonnegative(),
  trainLoss: z.number().optional(),
  evalLoss: z.number().optional(),
});
export type LossPoint = z.infer<typeof lossPointSchema>;

export const RunOutcomeStatus = { Completed: 'completed', Diverged: 'diverged' } as const;

/** What a worker returns for a `TrainRun` job. */
export const trainingOutcomeSchema = z.object({
  runId: z.string(),
  status: z.enum([RunOutcomeStatus.Completed, RunOutcomeStatus.Diverged]),
  /** Exact non-embedding parameter count of the model that was trained. */
  params: z.number(),
  /** Exact total parameter count (embeddings and output head included): the N sweeps and fits count. */
  paramsTotal: z.number(),
  /** Training tokens actually consumed. */
  tokens: z.number(),
  /** Training FLOPs spent, as budgets count them: 6 · paramsTotal · tokens. */
  flops: z.number(),
  /** Final held-out loss in nats/token; absent when the run diverged. */
  finalLoss: z.number().optional(),
  /** Held-out tokens of the final evaluation. */
  evalTokens: z.number().int().positive().optional(),
  /** Standard error of `finalLoss` from the sampling of held-out windows (not seed noise). */
  finalLossStdError: z.number().nonnegative().optional(),
  divergedAtStep: z.number().int().optional(),
  divergenceReason: z.string().optional(),
  shape: modelShapeSchema,
  curve: z.array(lossPointSchema),
  backend: z.string(),
  simulated: z.boolean(),
  wallSeconds: z.number(),
  tokensPerSecond: z.number(),
  /** D / unique training tokens of the corpus (> 1 means passes over a small corpus); absent when a trainer doesn't say. */
  repetitionFactor: z.number().optional(),
  /** The worker's training recipe (`TRAINING_RECIPE_VERSION`); absent for simulated runs and older workers. */
  recipeVersion: z.number().int().positive().optional(),
  /** Step the run resumed from after a restart, if it did. */
  resumedFromStep: z.number().int().optional(),
});
export type TrainingOutcome = z.infer<typeof trainingOutcomeSchema>;

/** Progress payload streamed with `job.updateProgress` while a run trains. */
export const trainingProgressSchema = z.object({
  runId: z.string(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  tokens: z.number(),
  point: lossPointSchema.optional(),
});
export type TrainingProgress = z.infer<typeof trainingProgressSchema>;

/**
 * Same run → same job id, so re-planning or a control-plane restart never enqueues a run twice.
 * BullMQ job ids may not contain ':'; '/' is safe.
 */
export const trainingJobId = (owner: ObjectRef, runId: string): string => `${owner.namespace}/${owner.name}/${runId}`;
