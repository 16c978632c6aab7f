import { z } from 'zod';
import { ADMISSION_LIMITS } from '../admission/admission-limits.js';
import {
  budgetFlopsSchema,
  logSpacedBudgets,
  sameBudgetInRunIds,
  seedSchema,
  sweepBudgetFlopsSchema,
} from '../admission/bounded-numbers.js';
import { corpusReferenceSchema } from '../admission/corpus-reference.js';
import { lossLawSchema, TokenizerKind } from '../job-catalog.js';
import { API_GROUP_VERSION, PRESET_NAMES, ResourceKind } from './api-group.js';
import { conditionSchema } from './conditions.js';
import { customResourceSchema } from './object-meta.js';
import { kueueSpecSchema, trainerTemplateSchema } from '../trainer-contract.js';

export const FitMethod = { Approach1: 1, Approach2: 2, Approach3: 3 } as const;
export type FitMethod = (typeof FitMethod)[keyof typeof FitMethod];

export const modelSpecSchema = z
  .object({
    family: z.enum(['decoder-transformer']).default('decoder-transformer').describe('Model family trained by the workers.'),
    tokenizer: z
      .enum([TokenizerKind.Byte, TokenizerKind.Char])
      .default(TokenizerKind.Byte)
      .describe('Tokenizer; a study uses one throughout. Losses are in nats per token.'),
    corpus: corpusReferenceSchema
      .default('moby-dick')
      .describe(
        "Training corpus: moby-dick, sotu, or a file or directory relative to the workers' data directory (SCALEPLAN_DATA_DIR); absolute paths and '..' are refused.",
      ),
    sequenceLength: z.number().int().min(8).max(4096).default(64).describe('Tokens per training sequence.'),
  })
  .describe('What is trained in every run of the study.');

export const budgetRangeSchema = z
  .object({
    min: sweepBudgetFlopsSchema.describe('Smallest IsoFLOP budget (FLOPs).'),
    max: sweepBudgetFlopsSchema.describe('Largest IsoFLOP budget (FLOPs).'),
    count: z.number().int().min(1).max(ADMISSION_LIMITS.maxSweepBudgets).describe('Number of log-spaced budgets from min to max.'),
  })
  .describe('IsoFLOP budgets as a log-spaced range.');

export const adaptiveSpecSchema = z
  .object({
    enabled: z.boolean().default(false).describe("After each budget's first runs, add runs where they best pin down its minimum."),
    targetRelativeInterval: z
      .number()
      .positive()
      .max(10)
      .default(0.25)
      .describe('Stop adding runs to a budget once the relative width of its N_opt interval is below this.'),
    maxRunsPerBudget: z.number().int().min(3).max(50).default(9).describe('Run cap per budget in adaptive mode.'),
  })
  .describe('Adaptive placement of sweep runs.');

/** Sweep modes: one run per (budget, size), or each size trained at several lengths for Approach 1. */
export const SweepMode = { IsoFlop: 'isoflop', TrainingCurves: 'training-curves' } as const;
export type SweepMode = (typeof SweepMode)[keyof typeof SweepMode];
/** Hoffmann et al. 2022 §3.1: 4 cosine schedules per size, spanning 16× in tokens. */
export const TRAINING_CURVE_DEFAULTS = { lengths: 4, lengthRatio: 16 } as const;

export const sweepTargetSchema = z
  .object({
    quantity: z.enum(['nOpt']).default('nOpt').describe('The quantity to pin down: nOpt, the compute-optimal parameter count at atFlops.'),
    atFlops: budgetFlopsSchema.describe('Compute budget (FLOPs) at which the quantity is measured; usually the budget you will allocate.'),
    relativeHalfWidth: z
      .number()
      .positive()
      .max(10)
      .describe('Both ends of the interval within ±this fraction of the estimate (0.25: N_opt within ±25%).'),
    level: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.8)
      .describe('Central probability of the bootstrap interval (0.8 = 10th–90th percentile, as in the paper).'),
  })
  .describe(
    'Precision target: the planner adds runs until the primary fit meets it (then the law can be Ready) or maxFlops is reached (Degraded).',
  );

export const sweepSpecSchema = z
  .object({
    budgets: z
      .array(sweepBudgetFlopsSchema)
      .min(1)
      .max(ADMISSION_LIMITS.maxSweepBudgets)
      .meta({ 'x-kubernetes-list-type': 'set' })
      .optional()
      .describe('IsoFLOP budgets in FLOPs, all different (give this or budgetRange).'),
    budgetRange: budgetRangeSchema.optional(),
    sizesPerBudget: z.number().int().min(3).max(25).default(5).describe('Model sizes per budget (at least 3, to fit a parabola).'),
    spanDecades: z
      .number()
      .min(1)
      .max(4)
      .default(1)
      .describe(
        'Total spread of model sizes per budget in decades of N, centred on the current N_opt estimate (at least 1 = ±0.5 decade).',
      ),
    priorTokensPerParam: z
      .number()
      .positive()
      .max(1e6)
      .optional()
      .describe(
        'Prior D/N ratio that centres the first sweep while the study has no fit (N = sqrt(C / (6·ratio))); default: the chinchilla-2022 law. Tiny models trained for a few hundred steps are compute-optimal at far more tokens per parameter than 20.',
      ),
    adaptive: adaptiveSpecSchema.optional(),
    target: sweepTargetSchema.optional(),
    maxFlops: budgetFlopsSchema
      .optional()
      .describe(
        "Cap on the training FLOPs of all the study's sweep runs together (each IsoFLOP run costs its budget). With a target, the planner stops adding runs at the cap and marks the study Degraded with the reason.",
      ),
    mode: z
      .enum([SweepMode.IsoFlop, SweepMode.TrainingCurves])
      .optional()
      .describe(
        'isoflop (default): one run per budget and size. training-curves: every size is also trained at shorter lengths (each run with its own cosine schedule), so Approach 1 gets real training curves.',
      ),
    lengths: z
      .number()
      .int()
      .min(2)
      .max(8)
      .optional()
      .describe(
        `training-curves mode: runs per size, at token counts log-spaced over lengthRatio (default ${TRAINING_CURVE_DEFAULTS.lengths}, as in the paper).`,
      ),
    lengthRatio: z
      .number()
      .gt(1)
      .max(256)
      .optional()
      .describe(
        `training-curves mode: longest / shortest run of a size, in tokens (default ${TRAINING_CURVE_DEFAULTS.lengthRatio}, as in the paper).`,
      ),
    seed: seedSchema.default(0).describe('Base seed of the runs.'),
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
    methods: z
      .array(z.union([z.literal(1), z.literal(2), z.literal(3)]))
      .min(1)
      .max(3)
      .meta({ 'x-kubernetes-list-type': 'set' })
      .refine((methods) => new Set(methods).size === methods.length, { message: 'each method at most once' })
      .default([1, 2, 3])
      .describe('Fitting methods of Hoffmann et al. 2022 to run: 1 (envelope), 2 (IsoFLOP profiles), 3 (parametric loss).'),
    primaryMethod: z
      .union([z.literal(1), z.literal(2), z.literal(3)])
      .default(3)
      .describe('The method whose fit budgets use for their allocation.'),
    bootstrap: z.number().int().min(0).max(5000).default(100).describe('Bootstrap resamples for confidence intervals (0 = none).'),
    confidence: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.8)
      .describe('Central probability of the percentile intervals (0.8 = 10th–90th percentile, as in the paper).'),
  })
  .describe('How the law is fitted.');

export const scalingLawSpecSchema = z
  .object({
    preset: z.enum(PRESET_NAMES).optional().describe('Use a published law instead of measuring one (no sweep).'),
    model: modelSpecSchema.default({ family: 'decoder-transformer', tokenizer: 'byte', corpus: 'moby-dick', sequenceLength: 64 }),
    sweep: sweepSpecSchema.optional(),
    fit: fitSpecSchema.default({ methods: [1, 2, 3], primaryMethod: 3, bootstrap: 100, confidence: 0.8 }),
    maxConcurrentRuns: z.number().int().min(1).max(1000).default(2).describe("At most this many of the study's runs train at once."),
    maxFailedRuns: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(3)
      .describe('Failure budget: past it the study is Degraded (queued runs are kept).'),
    priority: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(10)
      .describe('BullMQ priority of the sweep runs (lower runs first; final runs use 1).'),
    trainer: trainerTemplateSchema.optional(),
    kueue: kueueSpecSchema.optional(),
  })
  .describe('A scaling-law study: a preset, or an IsoFLOP sweep that measures the law.')
  .superRefine((spec, ctx) => {
    if (!spec.preset && !spec.sweep) ctx.addIssue({ code: 'custom', path: ['sweep'], message: 'give either spec.preset or spec.sweep' });
    if (spec.preset && spec.sweep)
      ctx.addIssue({ code: 'custom', path: ['preset'], message: 'spec.preset and spec.sweep are mutually exclusive' });
    if (spec.sweep && !spec.sweep.budgets && !spec.sweep.budgetRange) {
      ctx.addIssue({ code: 'custom', path: ['sweep', 'budgets'], message: 'give spec.sweep.budgets or spec.sweep.budgetRange' });
    }
    if (spec.sweep?.budgetRange && spec.sweep.budgetRange.min > spec.sweep.budgetRange.max) {
      ctx.addIssue({ code: 'custom', path: ['sweep', 'budgetRange', 'min'], message: 'budgetRange.min must not exceed budgetRange.max' });
    }
    const range = spec.sweep?.budgetRange;
    if (range && range.min <= range.max) {
      const values = logSpacedBudgets(range);
      if (values.some((budget, i) => i > 0 && sameBudgetInRunIds(budget, values[i - 1]!)))
        ctx.addIssue({
          code: 'custom',
          path: ['sweep', 'budgetRange', 'count'],
          message: `${range.count} budgets from ${range.min} to ${range.max} are too close: budgets must differ in their first ${ADMISSION_LIMITS.budgetSignificantFigures} significant figures, which run ids carry`,
        });
    }
    const budgets = spec.sweep?.budgets ?? [];
    budgets.forEach((budget, i) => {
      const twin = budgets.findIndex((other) => sameBudgetInRunIds(other, budget));
      if (twin < i)
        ctx.addIssue({
          code: 'custom',
          path: ['sweep', 'budgets', i],
          message: `budget ${budget} repeats budget ${twin} (${budgets[twin]}): budgets must differ in their first ${ADMISSION_LIMITS.budgetSignificantFigures} significant figures, which run ids carry`,
        });
    });
    const sweep = spec.sweep;
    if (sweep?.target && spec.fit.bootstrap < 10) {
      ctx.addIssue({
        code: 'custom',
        path: ['fit', 'bootstrap'],
        message: `spec.sweep.target is checked on the bootstrap interval of N_opt: give at least 10 resamples, got ${spec.fit.bootstrap}`,
      });
    }
    if (sweep?.maxFlops !== undefined) {
      const smallestBudget = Math.min(...(sweep.budgets ?? []), sweep.budgetRange?.min ?? Number.POSITIVE_INFINITY);
      // The cheapest run: an IsoFLOP run costs its budget; in training-curves mode the shortest length costs 1/lengthRatio of it.
      const cheapestRun =
        sweep.mode === SweepMode.TrainingCurves
          ? smallestBudget / (sweep.lengthRatio ?? TRAINING_CURVE_DEFAULTS.lengthRatio)
          : smallestBudget;
      if (Number.isFinite(cheapestRun) && sweep.maxFlops < cheapestRun) {
        ctx.addIssue({
          code: 'custom',
          path: ['sweep', 'maxFlops'],
          message: `maxFlops ${sweep.maxFlops.toExponential(3)} is below the cost of one run (${cheapestRun.toExponential(3)} FLOPs, the smallest budget${sweep.mode === SweepMode.TrainingCurves ? ' / lengthRatio' : ''})`,
        });
      }
    }
  });
export type ScalingLawSpec = z.infer<typeof scalingLawSpecSchema>;

const intervalSchema = z.tuple([z.number(), z.number()]).describe('[low, high] percentile interval.');

/** One check of a trust verdict (see libs/scaling-laws trust-verdict.ts and docs/scaling-laws.md). */
export const trustCheckSchema = z.object({
  name: z
    .string()
    .describe(
      'converged, enoughRuns, irreducibleLossCollapsed, exponentsPlausible, bootstrapConverged, minimumBracketed, methodsAgree, aIntervalWidth, nOptIntervalWidth or influentialRuns.',
    ),
  passed: z.boolean(),
  severity: z.enum(['blocking', 'warning']).describe('A failed blocking check makes the fit untrusted; a warning is reported only.'),
  message: z.string(),
  value: z.number().optional().describe('The measured value the threshold was applied to.'),
});

/** Whether a fit's allocation can be trusted, and why not. */
export const trustVerdictSchema = z.object({
  trusted: z.boolean(),
  reason: z.enum([
    'Trusted',
    'NotConverged',
    'InsufficientEvidence',
    'IllConditioned',
    'MinimumNotBracketed',
    'MethodsDisagree',
    'IntervalTooWide',
  ]),
  message: z.string(),
  checks: z.array(trustCheckSchema).default([]),
});
export type TrustVerdictStatus = z.infer<typeof trustVerdictSchema>;

/** What a fit's verdict was judged on (small: per-run data only for the few influential runs). */
export const fitDiagnosticsSchema = z.object({
  evidence: z.object({ count: z.number(), minimum: z.number(), unit: z.string() }).optional(),
  budgets: z
    .array(
      z.object({
        flops: z.number(),
        sizes: z.number().int(),
        minimumParams: z.number().nullable(),
        bracketed: z.boolean(),
        withinMargin: z.boolean(),
      }),
    )
    .optional()
    .describe('IsoFLOP profile per budget: the parabola vertex and whether it lies inside the sizes tried.'),
  irreducibleLoss: z.object({ value: z.number(), lowestLoss: z.number(), collapsed: z.boolean() }).optional(),
  nOpt: z
    .array(z.object({ flops: z.number(), params: z.number(), interval: intervalSchema.optional(), ratio: z.number().optional() }))
    .optional()
    .describe('N_opt at the budgets that use the law, with the bootstrap interval and its upper/lower ratio.'),
  agreement: z
    .array(z.object({ method: z.number().int(), a: z.number(), aInterval: intervalSchema.optional(), agrees: z.boolean() }))
    .optional(),
  influence: z
    .object({
      flops: z.number(),
      flagged: z.array(z.string()).describe('Runs that, alone or as the outlier set, move a or N_opt beyond its interval.'),
      outliers: z
        .object({ runIds: z.array(z.string()), a: z.number().nullable(), nOpt: z.number().nullable(), beyondInterval: z.boolean() })
        .optional(),
      leaveOneOut: z
        .array(
          z.object({
            runId: z.string(),
            a: z.number().nullable(),
            nOpt: z.number().nullable(),
            shift: z.number(),
            beyondInterval: z.boolean(),
          }),
        )
        .optional(),
      note: z.string(),
    })
    .optional(),
});
export type FitDiagnosticsStatus = z.infer<typeof fitDiagnosticsSchema>;

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
  verdict: trustVerdictSchema.optional().describe("Whether this fit can be trusted (Ready needs the primary method's verdict trusted)."),
  diagnostics: fitDiagnosticsSchema.optional(),
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

export const ScalingLawPhase = {
  Pending: 'Pending',
  Running: 'Running',
  Fitting: 'Fitting',
  Ready: 'Ready',
  Degraded: 'Degraded',
  Deleting: 'Deleting',
} as const;
export type ScalingLawPhase = (typeof ScalingLawPhase)[keyof typeof ScalingLawPhase];

/** Where an adaptive sweep stands: FLOPs spent and planned, and the precision target. */
export const sweepProgressSchema = z.object({
  flopsSpent: z.number().describe('Training FLOPs of the finished sweep runs (each IsoFLOP run costs its budget).'),
  flopsPlanned: z.number().describe('Training FLOPs of the runs planned, queued or running.'),
  maxFlops: z.number().optional(),
  target: z
    .object({
      met: z.boolean(),
      atFlops: z.number(),
      relativeHalfWidth: z.number().describe('The target, ± fraction.'),
      nOpt: z.number().optional(),
      interval: intervalSchema.optional(),
      achievedHalfWidth: z.number().optional().describe('max(upper/N_opt − 1, 1 − lower/N_opt) of the current fit.'),
    })
    .optional(),
  decision: z.string().optional().describe("The planner's last decision, for humans."),
});
export type SweepProgress = z.infer<typeof sweepProgressSchema>;

/** The recipe's seed-to-seed noise, measured where sweep sizes have more than one seed. */
export const seedSpreadSchema = z
  .object({
    sizes: z.number().int().describe('Sweep sizes (budget, model) with a succeeded run.'),
    replicatedSizes: z.number().int().describe('Of those, the sizes with two or more succeeded seeds.'),
    medianRelativeStd: z.number().describe('Median over the replicated sizes of the sample sd ÷ mean of the final loss.'),
    maxRelativeStd: z.number(),
    worst: z.object({ budgetFlops: z.number(), params: z.number(), seeds: z.number().int(), relativeStd: z.number() }),
    target: z.number().describe('The recipe target (0.005: below 0.5% at every size).'),
    met: z.boolean().describe('True when every replicated size is below the target.'),
  })
  .describe('Seed-to-seed spread of final loss at the replicated sweep sizes; absent until a size has two seeds.');
export type SeedSpread = z.infer<typeof seedSpreadSchema>;

export const scalingLawStatusSchema = z.object({
  phase: z.enum(ScalingLawPhase).optional(),
  observedGeneration: z.number().int().optional(),
  plannedGeneration: z.number().int().optional().describe('metadata.generation the sweep plan was made for (a spec edit re-plans).'),
  planNotes: z
    .object({ warnings: z.array(z.string()), refusals: z.array(z.string()) })
    .optional()
    .describe("The warnings and refused budgets of the plan made for plannedGeneration (the Planned condition's message repeats them)."),
  runs: runCountsSchema.optional(),
  /** "done/total" for the printer column. */
  runsSummary: z.string().optional(),
  simulated: z.boolean().optional().describe("True when the study's runs are simulated."),
  fits: z.array(fitSummarySchema).optional().describe('Latest fit per method.'),
  primaryFit: fitSummarySchema.optional(),
  fitHistory: z
    .array(z.object({ fittedAt: z.string(), method: z.number().int(), runs: z.number().int(), a: z.number(), b: z.number() }))
    .optional(),
  /** Why runs were excluded from the fits (diverged runs, failures), newest first. */
  excludedRuns: z.array(z.object({ runId: z.string(), reason: z.string() })).optional(),
  sweep: sweepProgressSchema.optional().describe('FLOPs spent and planned, and the precision target (spec.sweep.target).'),
  seedSpread: seedSpreadSchema.optional(),
  verdict: trustVerdictSchema
    .omit({ checks: true })
    .extend({ method: z.number().int() })
    .optional()
    .describe("The primary method's trust verdict (its checks are in fits[]); the Verdict printer column."),
  conditions: z.array(conditionSchema).optional(),
});
export type ScalingLawStatus = z.infer<typeof scalingLawStatusSchema>;

export const scalingLawSchema = customResourceSchema(
  API_GROUP_VERSION,
  ResourceKind.ScalingLaw,
  scalingLawSpecSchema,
  scalingLawStatusSchema,
);
export type ScalingLaw = z.infer<typeof scalingLawSchema>;
