import { z } from 'zod';
import { ADMISSION_LIMITS } from '../admission/admission-limits.js';
import {
  acceleratorHoursCountSchema,
  budgetFlopsSchema,
  demandTokensSchema,
  seedSchema,
  tokenCountSchema,
} from '../admission/bounded-numbers.js';
import { dnsLabelSchema } from '../admission/object-names.js';
import { modelShapeSchema } from '../job-catalog.js';
import { API_GROUP_VERSION, PRESET_NAMES, ResourceKind } from './api-group.js';
import { conditionSchema } from './conditions.js';
import { customResourceSchema } from './object-meta.js';

export const acceleratorHoursSchema = z
  .object({
    hours: acceleratorHoursCountSchema.describe('Accelerator-hours available for the final run (e.g. 5000 = 625 GPUs × 8 h).'),
    accelerator: z
      .string()
      .min(1)
      .max(ADMISSION_LIMITS.maxAcceleratorNameLength)
      .describe('Accelerator name from the table in @scaleplan/scaling-laws (e.g. h100-sxm, a100-80gb, l4).'),
    precision: z
      .enum(['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8'])
      .default('bf16')
      .describe('Precision whose dense peak FLOP/s is used.'),
    utilisation: z.number().gt(0).max(1).default(0.4).describe('Expected model FLOP utilisation (MFU), 0–1.'),
  })
  .describe('A budget given as accelerator-hours × peak FLOP/s × utilisation.');

export const inferenceSpecSchema = z
  .object({
    tokens: demandTokensSchema.describe(
      'Lifetime inference demand in tokens; the status adds the model that reaches the same loss with the fewest training + inference FLOPs (Sardana et al. 2024).',
    ),
  })
  .describe("Expected inference over the model's lifetime (needs a loss law: approach 3 or a parametric preset).");

export const computeBudgetSpecSchema = z
  .object({
    flops: budgetFlopsSchema.optional().describe('Compute budget C of the final training run, in FLOPs.'),
    acceleratorHours: acceleratorHoursSchema.optional(),
    scalingLaw: dnsLabelSchema.optional().describe('Name of a ScalingLaw in the same namespace whose fit maps the budget.'),
    preset: z.enum(PRESET_NAMES).optional().describe('Use a published law directly instead of a ScalingLaw.'),
    method: z
      .union([z.literal(1), z.literal(2), z.literal(3)])
      .optional()
      .describe("Fit method to use (default: the law's primary method)."),
    uniqueTokens: tokenCountSchema
      .optional()
      .describe(
        'Unique training tokens available; the allocation accounts for repetition (Muennighoff et al. 2023 eq. 5) and warns past ~4, ~16 and ~40 epochs.',
      ),
    inference: inferenceSpecSchema.optional(),
    train: z.boolean().default(false).describe('Launch the final training run of the allocated size once the allocation is known.'),
    seed: seedSchema.default(0).describe('Seed of the final run.'),
  })
  .describe('A compute budget to turn into a compute-optimal allocation (N_opt, D_opt).')
  .superRefine((spec, ctx) => {
    if ((spec.flops === undefined) === (spec.acceleratorHours === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['flops'], message: 'give exactly one of spec.flops or spec.acceleratorHours' });
    }
    if ((spec.scalingLaw === undefined) === (spec.preset === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['scalingLaw'], message: 'give exactly one of spec.scalingLaw or spec.preset' });
    }
  });

/** [lower, upper] at the percentiles `intervalNote` names. */
const intervalSchema = z.tuple([z.number(), z.number()]);

export const dataConstrainedStatusSchema = z
  .object({
    uniqueTokens: z.number(),
    epochs: z.number().describe('D_opt / uniqueTokens: passes over the unique data.'),
    epochsInterval: intervalSchema.optional(),
    accountedFor: z.boolean().describe('False for power-law mappings, which have no loss model to weigh repetition with.'),
    effectiveTokens: z.number().optional().describe("D' of Muennighoff et al. 2023 eq. 5."),
    effectiveParams: z.number().optional().describe("N' of Muennighoff et al. 2023 eq. 5."),
    unconstrainedParams: z.number().describe('N_opt without the unique-token limit.'),
    unconstrainedTokens: z.number(),
  })
  .describe('How the unique-token limit shaped the allocation (Muennighoff et al. 2023).');

export const inferenceStatusSchema = z
  .object({
    inferenceTokens: z.number().describe('Lifetime inference demand D_inf (spec.inference.tokens).'),
    params: z.number().describe('N of the inference-aware optimum.'),
    tokens: z.number().describe('Training tokens D_tr of the inference-aware optimum.'),
    paramsDisplay: z.string().describe('N with its interval, e.g. 1.20B [1.05B–1.41B].'),
    tokensDisplay: z.string().describe('D_tr with its interval.'),
    paramsInterval: intervalSchema.optional(),
    tokensInterval: intervalSchema.optional(),
    tokensPerParam: z.number(),
    loss: z.number().describe("The loss it reaches: the compute-optimal allocation's at the budget."),
    trainingFlops: z.number().describe('6·N·D_tr (more than the budget when the demand is large).'),
    inferenceFlops: z.number().describe('2·N·D_inf.'),
    totalFlops: z.number(),
    trainingOnlyTotalFlops: z.number().describe('Lifetime FLOPs of the compute-optimal allocation serving the same demand.'),
    saving: z.number().describe('Share of lifetime FLOPs saved against the compute-optimal allocation (0–1).'),
  })
  .describe('Inference-aware allocation (Sardana et al. 2024): the model to train instead when the lifetime demand is expected.');

export const allocationStatusSchema = z.object({
  flops: z.number().describe('Resolved compute budget in FLOPs.'),
  params: z.number().describe('N_opt: total parameters (embeddings and output head included), the count the laws are fitted on.'),
  tokens: z.number().describe('D_opt: training tokens.'),
  tokensPerParam: z.number(),
  paramsDisplay: z.string().describe('N_opt in human units (e.g. 2.78B).'),
  tokensDisplay: z.string().describe('D_opt in human units (e.g. 60.0B).'),
  paramsColumn: z.string().optional().describe('N_opt with its interval for the printer column, e.g. 2.78B [2.10B–3.60B].'),
  tokensColumn: z.string().optional().describe('D_opt with its interval for the printer column, e.g. 60.0B [46.3B–79.4B].'),
  paramsInterval: intervalSchema.optional(),
  tokensInterval: intervalSchema.optional(),
  tokensPerParamInterval: intervalSchema.optional(),
  predictedLoss: z
    .number()
    .optional()
    .describe("Predicted final loss (nats/token) when the mapping predicts one: a loss law, or Approach 2's compute frontier."),
  predictedLossInterval: intervalSchema.optional(),
  intervalKind: z.enum(['bootstrap', 'published', 'none']).optional().describe('Where the intervals come from.'),
  intervalNote: z.string().optional().describe('Plain words on the intervals, e.g. "bootstrap, 187/200 replicates, 10th–90th percentile".'),
  provisional: z.boolean().default(false).describe('True while the law is still measuring (not Ready): the allocation may still move.'),
  provisionalReason: z
    .string()
    .optional()
    .describe("Why the allocation is provisional, while it is: the law's trust verdict, or this budget's own N_opt interval."),
  shape: modelShapeSchema.optional().describe('Model shape of the allocated size, when it is trainable here.'),
  law: z.string().describe('Where the mapping came from: preset:<name> or <namespace>/<scaling law>.'),
  method: z.number().int(),
  fittedAt: z.string().optional(),
  repetitionFactor: z.number().optional().describe('D_opt / uniqueTokens when a unique-token limit is set.'),
  dataConstrained: dataConstrainedStatusSchema.optional(),
  inference: inferenceStatusSchema.optional(),
  warnings: z.array(z.string()).optional().describe('Repetition past ~4/~16/~40 epochs, repetition a power law cannot weigh, …'),
});
export type AllocationStatus = z.infer<typeof allocationStatusSchema>;

export const finalRunStatusSchema = z.object({
  runId: z.string(),
  state: z.enum(['queued', 'running', 'succeeded', 'failed', 'diverged']),
  progress: z.number().min(0).max(1).default(0),
  tokens: z.number().default(0),
  latestLoss: z.number().optional(),
  finalLoss: z.number().optional(),
  predictedLoss: z.number().optional(),
  /** finalLoss − predictedLoss (nats/token). */
  lossDelta: z.number().optional(),
  simulated: z.boolean().optional(),
  message: z.string().optional(),
});
export type FinalRunStatus = z.infer<typeof finalRunStatusSchema>;

export const ComputeBudgetPhase = {
  Pending: 'Pending',
  Resolved: 'Resolved',
  Training: 'Training',
  Succeeded: 'Succeeded',
  Degraded: 'Degraded',
  Deleting: 'Deleting',
} as const;
export type ComputeBudgetPhase = (typeof ComputeBudgetPhase)[keyof typeof ComputeBudgetPhase];

export const computeBudgetStatusSchema = z.object({
  phase: z.enum(ComputeBudgetPhase).optional(),
  observedGeneration: z.number().int().optional(),
  flops: z.number().optional().describe('Resolved budget in FLOPs.'),
  lawName: z.string().optional().describe('The law used, for the printer column.'),
  allocation: allocationStatusSchema.optional(),
  finalRun: finalRunStatusSchema.optional(),
  conditions: z.array(conditionSchema).optional(),
});
export type ComputeBudgetStatus = z.infer<typeof computeBudgetStatusSchema>;

export const computeBudgetSchema = customResourceSchema(
  API_GROUP_VERSION,
  ResourceKind.ComputeBudget,
  computeBudgetSpecSchema,
  computeBudgetStatusSchema,
);
export type ComputeBudget = z.infer<typeof computeBudgetSchema>;
