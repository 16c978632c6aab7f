import { z } from 'zod';
import { lossLawSchema, TokenizerKind } from '../job-catalog.js';
import { API_GROUP_VERSION, PRESET_NAMES, ResourceKind } from './api-group.js';
import { conditionSchema } from './conditions.js';
import { objectMetaSchema } from './object-meta.js';

const positiveFlops = z.number().finite().positive();

export const FitMethod = { Approach1: 1, Approach2: 2, Approach3: 3 } as const;
export type FitMethod = (typeof FitMethod)[keyof typeof FitMethod];

export const modelSpecSchema = z
  .object({
    family: z.enum(['decoder-transformer']).default('decoder-transformer').describe('Model family trained by the workers.'),
    tokenizer: z.enum([TokenizerKind.Byte, TokenizerKind.Char]).default(TokenizerKind.Byte).describe('Tokenizer; a study uses one throughout. Losses are in nats per token.'),
    corpus: z.string().min(1).default('moby-dick').describe('Training corpus: moby-dick, sotu, or an absolute path visible to the workers.'),
    sequenceLength: z.number().int().min(8).max(4096).default(64).describe('Tokens per training sequence.'),
  })
  .describe('What is trained in every run of the study.');

export const budgetRangeSchema = z
  .object({
    min: positiveFlops.describe('Smallest IsoFLOP budget (FLOPs).'),
    max: positiveFlops.describe('Largest IsoFLOP budget (FLOPs).'),
    count: z.number().int().min(1).max(20).describe('Number of log-spaced budgets from min to max.'),
  })
  .describe('IsoFLOP budgets as a log-spaced range.');

export const adaptiveSpecSchema = z
  .object({
    enabled: z.boolean().default(false).describe('After each budget\'s first runs, add runs where they best pin down its minimum.'),
    targetRelativeInterval: z.number().positive().max(10).default(0.25).describe('Stop adding runs to a budget once the relative width of its N_opt interval is below this.'),
    maxRunsPerBudget: z.number().int().min(3).max(50).default(9).describe('Run cap per budget in adaptive mode.'),
  })
  .describe('Adaptive placement of sweep runs.');

export const sweepSpecSchema = z
  .object({
    budgets: z.array(positiveFlops).min(1).max(20).optional().describe('IsoFLOP budgets in FLOPs (give this or budgetRange).'),
    budgetRange: budgetRangeSchema.optional(),
    sizesPerBudget: z.number().int().min(3).max(25).default(5).describe('Model sizes per budget (at least 3, to fit a parabola).'),
    spanDecades: z.number().min(1).max(4).default(1).describe('Total spread of model sizes per budget in decades of N, centred on the current N_opt estimate (at least 1 = ±0.5 decade).'),
    priorTokensPerParam: z
      .number()
      .positive()
      .max(1e6)
      .optional()
      .describe('Prior D/N ratio that centres the first sweep while the study has no fit (N = sqrt(C / (6·ratio))); default: the chinchilla-2022 law. Tiny models trained for a few hundred steps are compute-optimal at far more tokens per parameter than 20.'),
    adaptive: adaptiveSpecSchema.optional(),
    seed: z.number().int().nonnegative().default(0).describe('Base seed of the runs.'),
    simulate: z
      .object({
        law: lossLawSchema.describe('The hidden L(N, D) the simulated losses come from.'),
        noise: z.number().nonnegative().max(1).default(0.005).describe('σ of the multiplicative log-normal noise.'),
        durationMs: z.number().int().nonnegative().max(3_600_000).default(0).describe('Simulated wall time per run.'),
      })
      .optional()
      .describe('Simulated runs (labelled as such everywhere): losses come from a known law plus noise, at no compute cost.'),
  })
  .describe('The IsoFLOP sweep that measures the law.');

export const fitSpecSchema = z
  .object({
    methods: z.array(z.union([z.literal(1), z.literal(2), z.literal(3)])).min(1).default([1, 2, 3]).describe('Fitting methods of Hoffmann et al. 2022 to run: 1 (envelope), 2 (IsoFLOP profiles), 3 (parametric loss).'),
    primaryMethod: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(3).describe('The method whose fit budgets use for their allocation.'),
    bootstrap: z.number().int().min(0).max(5000).default(100).describe('Bootstrap resamples for confidence intervals (0 = none).'),
    confidence: z.number().gt(0).lt(1).default(0.8).describe('Central probability of the percentile intervals (0.8 = 10th–90th percentile, as in the paper).'),
  })
  .describe('How the law is fitted.');

export const scalingLawSpecSchema = z
  .object({
    preset: z.enum(PRESET_NAMES).optional().describe('Use a published law instead of measuring one (no sweep).'),
    model: modelSpecSchema.default({ family: 'decoder-transformer', tokenizer: 'byte', corpus: 'moby-dick', sequenceLength: 64 }),
    sweep: sweepSpecSchema.optional(),
    fit: fitSpecSchema.default({ methods: [1, 2, 3], primaryMethod: 3, bootstrap: 100, confidence: 0.8 }),
    maxConcurrentRuns: z.number().int().min(1).max(1000).default(2).describe('At most this many of the study\'s runs train at once.'),
    maxFailedRuns: z.number().int().min(0).max(10_000).default(3).describe('Failure budget: past it the study is Degraded (queued runs are kept).'),
    priority: z.number().int().min(1).max(1000).default(10).describe('BullMQ priority of the sweep runs (lower runs first; final runs use 1).'),
  })
  .describe('A scaling-law study: a preset, or an IsoFLOP sweep that measures the law.')
  .superRefine((spec, ctx) => {
    if (!spec.preset && !spec.sweep) ctx.addIssue({ code: 'custom', path: ['sweep'], message: 'give either spec.preset or spec.sweep' });
    if (spec.preset && spec.sweep) ctx.addIssue({ code: 'custom', path: ['preset'], message: 'spec.preset and spec.sweep are mutually exclusive' });
    if (spec.sweep && !spec.sweep.budgets && !spec.sweep.budgetRange) {
      ctx.addIssue({ code: 'custom', path: ['sweep', 'budgets'], message: 'give spec.sweep.budgets or spec.sweep.budgetRange' });
    }
    if (spec.sweep?.budgetRange && spec.sweep.budgetRange.min > spec.sweep.budgetRange.max) {
      ctx.addIssue({ code: 'custom', path: ['sweep', 'budgetRange', 'min'], message: 'budgetRange.min must not exceed budgetRange.max' });
    }
  });
export type ScalingLawSpec = z.infer<typeof scalingLawSpecSchema>;

const intervalSchema = z.tuple([z.number(), z.number()]).describe('[low, high] percentile interval.');

export const fitSummarySchema = z.object({
  method: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  converged: z.boolean(),
  fittedAt: z.string(),
  runs: z.number().int().describe('Runs the fit used.'),
  a: z.number().describe('N_opt ∝ C^a.'),
  b: z.number().describe('D_opt ∝ C^b.'),
  aInterval: intervalSchema.optional(),
  bInterval: intervalSchema.optional(),
  /** Approach 3 only. */
  law: lossLawSchema.optional(),
  lawIntervals: z.record(z.string(), intervalSchema).optional(),
  /** Power-law mapping N_opt = paramCoeff·C^a, D_opt = tokenCoeff·C^b (Approaches 1 and 2). */
  paramCoeff: z.number().optional(),
  tokenCoeff: z.number().optional(),
  objective: z.number().optional(),
  warnings: z.array(z.string()).default([]),
});
export type FitSummary = z.infer<typeof fitSummarySchema>;

export const runCountsSchema = z.object({
  planned: z.number().int().default(0),
  queued: z.number().int().default(0),
  running: z.number().int().default(0),
  succeeded: z.number().int().default(0),
  failed: z.number().int().default(0),
  diverged: z.number().int().default(0),
});
export type RunCounts = z.infer<typeof runCountsSchema>;

export const ScalingLawPhase = { Pending: 'Pending', Running: 'Running', Fitting: 'Fitting', Ready: 'Ready', Degraded: 'Degraded', Deleting: 'Deleting' } as const;

export const scalingLawStatusSchema = z.object({
  phase: z.enum(['Pending', 'Running', 'Fitting', 'Ready', 'Degraded', 'Deleting']).optional(),
  observedGeneration: z.number().int().optional(),
  plannedGeneration: z.number().int().optional().describe('metadata.generation the sweep plan was made for (a spec edit re-plans).'),
  runs: runCountsSchema.optional(),
  /** "done/total" for the printer column. */
  runsSummary: z.string().optional(),
  simulated: z.boolean().optional().describe('True when the study\'s runs are simulated.'),
  fits: z.array(fitSummarySchema).optional().describe('Latest fit per method.'),
  primaryFit: fitSummarySchema.optional(),
  fitHistory: z.array(z.object({ fittedAt: z.string(), method: z.number().int(), runs: z.number().int(), a: z.number(), b: z.number() })).optional(),
  /** Why runs were excluded from the fits (diverged runs, failures), newest first. */
  excludedRuns: z.array(z.object({ runId: z.string(), reason: z.string() })).optional(),
  conditions: z.array(conditionSchema).optional(),
});
export type ScalingLawStatus = z.infer<typeof scalingLawStatusSchema>;

export const scalingLawSchema = z.object({
  apiVersion: z.literal(API_GROUP_VERSION).default(API_GROUP_VERSION),
  kind: z.literal(ResourceKind.ScalingLaw).default(ResourceKind.ScalingLaw),
  metadata: objectMetaSchema,
  spec: scalingLawSpecSchema,
  status: scalingLawStatusSchema.optional(),
});
export type ScalingLaw = z.infer<typeof scalingLawSchema>;
