import { z } from 'zod';
import { lossPointSchema, modelShapeSchema, RunKind, RunOutcomeStatus, simulationSchema, TokenizerKind } from './job-catalog.js';

/**
 * The contract between ScalePlan and a trainer container (docs/trainer-contract.md). In dispatch mode
 * `jobs` every run is a batch/v1 Job whose container gets the run as environment variables and as a
 * JSON file, and reports back by POSTing to the control plane or by printing JSON lines to stdout.
 * The built-in worker (`node dist/apps/worker/src/main.js` with SCALEPLAN_RUN_FILE set) is one trainer.
 */
export const TrainerEnv = {
  /** Path of the run file (`TrainerRunSpec` as JSON). */
  RunFile: 'SCALEPLAN_RUN_FILE',
  RunId: 'SCALEPLAN_RUN_ID',
  /** `sweep` or `final`. */
  RunKind: 'SCALEPLAN_RUN_KIND',
  /** Attempt number of this run, 1 for the first. */
  Attempt: 'SCALEPLAN_RUN_ATTEMPT',
  /** Target non-embedding parameter count N. */
  Params: 'SCALEPLAN_RUN_PARAMS',
  /** Training tokens D. */
  Tokens: 'SCALEPLAN_RUN_TOKENS',
  Seed: 'SCALEPLAN_RUN_SEED',
  SequenceLength: 'SCALEPLAN_RUN_SEQUENCE_LENGTH',
  Corpus: 'SCALEPLAN_RUN_CORPUS',
  Tokenizer: 'SCALEPLAN_RUN_TOKENIZER',
  /** The planned shape as JSON (`ModelShape`). */
  Shape: 'SCALEPLAN_RUN_SHAPE',
  /** POST reports here (absent when the control plane has no report URL: print JSON lines instead). */
  ReportUrl: 'SCALEPLAN_REPORT_URL',
  /** Bearer token for ReportUrl, valid for this run's attempt only, until it ends or its deadline passes. */
  RunToken: 'SCALEPLAN_RUN_TOKEN',
} as const;

/** Where the run file is mounted in the trainer container. */
export const TRAINER_RUN_FILE_PATH = '/var/run/scaleplan/run.json';

/** `apiVersion`/`kind` of the run file, so a trainer can check what it reads. */
export const TRAINER_RUN_API_VERSION = 'scaleplan.dev/v1alpha1';
export const TRAINER_RUN_KIND = 'TrainerRun';

/** The run file: everything a trainer needs to train one run. */
export const trainerRunSpecSchema = z.object({
  apiVersion: z.literal(TRAINER_RUN_API_VERSION),
  kind: z.literal(TRAINER_RUN_KIND),
  runId: z.string().min(1),
  runKind: z.enum([RunKind.Sweep, RunKind.Final]),
  attempt: z.number().int().positive(),
  owner: z.object({ kind: z.enum(['ScalingLaw', 'ComputeBudget']), namespace: z.string(), name: z.string() }),
  params: z.number().positive(),
  tokens: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  sequenceLength: z.number().int().positive(),
  corpus: z.string().min(1),
  tokenizer: z.enum([TokenizerKind.Byte, TokenizerKind.Char]),
  shape: modelShapeSchema.optional(),
  budgetFlops: z.number().positive().optional(),
  /** Set for simulated studies: the losses are to come from this law (the built-in trainer honours it). */
  simulate: simulationSchema.optional(),
  /** When the run's token expires and its Job is stopped (RFC 3339). */
  deadline: z.string(),
});
export type TrainerRunSpec = z.infer<typeof trainerRunSpecSchema>;

/** First field of every report line, so that other JSON a trainer logs is never mistaken for a report. */
export const TRAINER_REPORT_FIELD = 'scaleplan';

/** A progress report: one point of the loss curve. Losses in nats per token. */
export const trainerProgressReportSchema = z.object({
  [TRAINER_REPORT_FIELD]: z.literal('progress'),
  step: z.number().int().nonnegative(),
  totalSteps: z.number().int().positive().optional(),
  tokens: z.number().nonnegative().optional(),
  trainLoss: z.number().optional(),
  evalLoss: z.number().optional(),
});

/**
 * The final report. Only `finalLoss` is required of a completed run; what the trainer leaves out is taken
 * from the plan (params, tokens, shape) or derived (flops = 6·N·D).
 */
export const trainerResultReportSchema = z.object({
  [TRAINER_REPORT_FIELD]: z.literal('result'),
  status: z.enum([RunOutcomeStatus.Completed, RunOutcomeStatus.Diverged]).default(RunOutcomeStatus.Completed),
  /** Final held-out loss in nats per token (required unless diverged). */
  finalLoss: z.number().finite().optional(),
  finalLossStdError: z.number().nonnegative().optional(),
  evalTokens: z.number().int().positive().optional(),
  /** Exact non-embedding parameters of the model trained (default: the planned N). */
  params: z.number().positive().optional(),
  paramsTotal: z.number().positive().optional(),
  /** Tokens actually trained on (default: the planned D). */
  tokens: z.number().positive().optional(),
  flops: z.number().positive().optional(),
  divergedAtStep: z.number().int().optional(),
  divergenceReason: z.string().optional(),
  curve: z.array(lossPointSchema).optional(),
  /** Free text naming the framework and device, e.g. `pytorch-2.4/cuda`. */
  backend: z.string().optional(),
  /** D / unique tokens of the corpus, when the trainer knows it. */
  repetitionFactor: z.number().positive().optional(),
  recipeVersion: z.number().int().positive().optional(),
  simulated: z.boolean().optional(),
  shape: modelShapeSchema.optional(),
});

export const trainerReportSchema = z.discriminatedUnion(TRAINER_REPORT_FIELD, [trainerProgressReportSchema, trainerResultReportSchema]);
export type TrainerProgressReport = z.infer<typeof trainerProgressReportSchema>;
export type TrainerResultReport = z.infer<typeof trainerResultReportSchema>;

/**
 * A Kubernetes resource quantity (`500m`, `2`, `1.5Gi`, `4e9`): checked at admission, so an unparseable
 * request never reaches a Job.
 */
export const QUANTITY_PATTERN = '^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][0-9]+)?$';
const quantitySchema = z.string().regex(new RegExp(QUANTITY_PATTERN), 'not a Kubernetes quantity (e.g. 500m, 2, 8Gi)');
const resourceNameSchema = z.string().regex(/^([a-z0-9.-]+\/)?[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/);

export const trainerTemplateSchema = z
  .object({
    image: z.string().min(1).describe('Container image of the trainer.'),
    command: z.array(z.string()).optional().describe("Entrypoint (default: the image's)."),
    args: z.array(z.string()).optional().describe('Arguments.'),
    env: z
      .array(z.object({ name: z.string().regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/), value: z.string().default('') }))
      .optional()
      .describe('Extra environment variables (the SCALEPLAN_RUN_* contract variables are added and win).'),
    resources: z
      .object({
        requests: z.record(resourceNameSchema, quantitySchema).optional(),
        limits: z.record(resourceNameSchema, quantitySchema).optional(),
      })
      .optional()
      .describe('Container resources. Memory is sized from the run when no memory request is given.'),
    gpusPerRun: z.number().int().min(0).max(64).optional().describe('GPUs per run (nvidia.com/gpu limit); 0 or absent: none.'),
    timeoutSeconds: z
      .number()
      .int()
      .min(10)
      .max(30 * 86_400)
      .optional()
      .describe("A run's deadline (the Job's activeDeadlineSeconds, and its report token's lifetime). Default: the control plane's."),
    serviceAccountName: z.string().optional().describe('Service account of the trainer pods (default: none mounted).'),
    nodeSelector: z.record(z.string(), z.string()).optional(),
  })
  .describe('Bring your own trainer: the container every run of the study is trained in (dispatch mode jobs; docs/trainer-contract.md).');
export type TrainerTemplate = z.infer<typeof trainerTemplateSchema>;

export const kueueSpecSchema = z
  .object({
    queueName: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
      .max(63)
      .describe('Kueue LocalQueue: run Jobs are created suspended with the kueue.x-k8s.io/queue-name label, and start once admitted.'),
    priorityClass: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)
      .max(253)
      .optional()
      .describe('Kueue WorkloadPriorityClass of the run Jobs (kueue.x-k8s.io/priority-class label).'),
  })
  .describe('Kueue admission of the run Jobs (dispatch mode jobs).');
export type KueueSpec = z.infer<typeof kueueSpecSchema>;
