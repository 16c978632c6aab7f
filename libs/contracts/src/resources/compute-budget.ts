import { z } from 'zod';
import { modelShapeSchema } from '../job-catalog.js';
import { API_GROUP_VERSION, PRESET_NAMES, ResourceKind } from './api-group.js';
import { conditionSchema } from './conditions.js';
import { objectMetaSchema } from './object-meta.js';

export const acceleratorHoursSchema = z
  .object({
    hours: z.number().finite().positive().describe('Accelerator-hours available for the final run (e.g. 5000 = 625 GPUs × 8 h).'),
    accelerator: z.string().min(1).describe('Accelerator name from the table in @scaleplan/scaling-laws (e.g. h100-sxm, a100-80gb, l4).'),
    precision: z.enum(['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8']).default('bf16').describe('Precision whose dense peak FLOP/s is used.'),
    utilisation: z.number().gt(0).max(1).default(0.4).describe('Expected model FLOP utilisation (MFU), 0–1.'),
  })
  .describe('A budget given as accelerator-hours × peak FLOP/s × utilisation.');

export const computeBudgetSpecSchema = z
  .object({
    flops: z.number().finite().positive().optional().describe('Compute budget C of the final training run, in FLOPs.'),
    acceleratorHours: acceleratorHoursSchema.optional(),
    scalingLaw: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).optional().describe('Name of a ScalingLaw in the same namespace whose fit maps the budget.'),
    preset: z.enum(PRESET_NAMES).optional().describe('Use a published law directly instead of a ScalingLaw.'),
    method: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional().describe('Fit method to use (default: the law\'s primary method).'),
    uniqueTokens: z.number().finite().positive().optional().describe('Unique training tokens available; the allocation accounts for repetition (Muennighoff et al. 2023).'),
    train: z.boolean().default(false).describe('Launch the final training run of the allocated size once the allocation is known.'),
    seed: z.number().int().nonnegative().default(0).describe('Seed of the final run.'),
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
export type ComputeBudgetSpec = z.infer<typeof computeBudgetSpecSchema>;

const intervalSchema = z.tuple([z.number(), z.number()]);

export const allocationStatusSchema = z.object({
  flops: z.number().describe('Resolved compute budget in FLOPs.'),
  params: z.number().describe('N_opt: non-embedding parameters.'),
  tokens: z.number().describe('D_opt: training tokens.'),
  tokensPerParam: z.number(),
  paramsDisplay: z.string().describe('N_opt in human units (e.g. 2.78B).'),
  tokensDisplay: z.string().describe('D_opt in human units (e.g. 60.0B).'),
  paramsInterval: intervalSchema.optional(),
  tokensInterval: intervalSchema.optional(),
  predictedLoss: z.number().optional().describe('Predicted final loss (nats/token) when the law is parametric.'),
  predictedLossInterval: intervalSchema.optional(),
  shape: modelShapeSchema.optional().describe('Model shape of the allocated size, when it is trainable here.'),
  law: z.string().describe('Where the mapping came from: preset:<name> or <namespace>/<scaling law>.'),
  method: z.number().int(),
  fittedAt: z.string().optional(),
  repetitionFactor: z.number().optional().describe('D_opt / uniqueTokens when a unique-token limit is set.'),
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

export const ComputeBudgetPhase = { Pending: 'Pending', Resolved: 'Resolved', Training: 'Training', Succeeded: 'Succeeded', Degraded: 'Degraded', Deleting: 'Deleting' } as const;

export const computeBudgetStatusSchema = z.object({
  phase: z.enum(['Pending', 'Resolved', 'Training', 'Succeeded', 'Degraded', 'Deleting']).optional(),
  observedGeneration: z.number().int().optional(),
  flops: z.number().optional().describe('Resolved budget in FLOPs.'),
  lawName: z.string().optional().describe('The law used, for the printer column.'),
  allocation: allocationStatusSchema.optional(),
  finalRun: finalRunStatusSchema.optional(),
  conditions: z.array(conditionSchema).optional(),
});
export type ComputeBudgetStatus = z.infer<typeof computeBudgetStatusSchema>;

export const computeBudgetSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION).default(API_GROUP_VERSION),
  kind: z.literal(ResourceKind.ComputeBudget).default(ResourceKind.ComputeBudget),
  metadata: objectMetaSchema,
  spec: computeBudgetSpecSchema,
  status: computeBudgetStatusSchema.optional(),
});
export type ComputeBudget = z.infer<typeof computeBudgetSchema>;
