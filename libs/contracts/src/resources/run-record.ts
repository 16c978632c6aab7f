import { z } from 'zod';
import { modelShapeSchema, objectRefSchema, RunKind, trainingOutcomeSchema, trainingProgressSchema } from '../job-catalog.js';

/** Life cycle of one run as the control plane records it. */
export const RunState = {
  Planned: 'planned',
  Queued: 'queued',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Diverged: 'diverged',
} as const;
export type RunState = (typeof RunState)[keyof typeof RunState];

/** States a run never leaves. */
export const TERMINAL_RUN_STATES: readonly RunState[] = [RunState.Succeeded, RunState.Failed, RunState.Diverged];

export const isTerminalRunState = (state: RunState): boolean => TERMINAL_RUN_STATES.includes(state);

/**
 * One run (a sweep point of a ScalingLaw or the final run of a ComputeBudget), stored once per run in
 * Redis by the control plane. A duplicate completion of a run already in a terminal state is ignored.
 */
export const runRecordSchema = z
  .object({
    runId: z.string().describe('Unique within the owner; with the owner it makes the deterministic BullMQ job id.'),
    owner: objectRefSchema.describe('The ScalingLaw (sweep runs) or ComputeBudget (final run) the run belongs to.'),
    ownerKind: z.enum(['ScalingLaw', 'ComputeBudget']),
    kind: z.enum([RunKind.Sweep, RunKind.Final]),
    budgetFlops: z.number().positive().describe('The IsoFLOP budget of a sweep run, or the budget of a final run (FLOPs).'),
    params: z.number().positive().describe('Exact non-embedding parameter count of the planned shape (what the job payload names).'),
    paramsTotal: z
      .number()
      .positive()
      .optional()
      .describe(
        'Exact total parameter count of the planned shape (embeddings and output head included): the N that sweeps plan, ' +
          'budgets spend (C = 6·N·D) and fits read. Absent on records stored before it existed; the control plane fills it in from `shape` when it reads them.',
      ),
    tokens: z.number().int().positive().describe('Training tokens D = C / (6·paramsTotal), at least one batch.'),
    shape: modelShapeSchema,
    seed: z.number().int().nonnegative(),
    state: z.enum(['planned', 'queued', 'running', 'succeeded', 'failed', 'diverged']),
    attempts: z.number().int().nonnegative().default(0).describe('Attempts BullMQ started for the job.'),
    progress: trainingProgressSchema.optional().describe('Latest progress report of a running run.'),
    outcome: trainingOutcomeSchema.optional().describe('What the worker returned (includes the loss curve).'),
    error: z.string().optional().describe('Why the run failed or diverged.'),
    simulated: z.boolean().describe('True when the loss comes from a known law plus noise, not from training.'),
    plannedAt: z.string(),
    queuedAt: z.string().optional(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  })
  .describe('One training run and its result.');
export type RunRecord = z.infer<typeof runRecordSchema>;
