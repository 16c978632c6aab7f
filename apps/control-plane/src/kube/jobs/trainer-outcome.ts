import {
  RunOutcomeStatus,
  TRAINER_REPORT_FIELD,
  trainerReportSchema,
  type LossPoint,
  type TrainerProgressReport,
  type TrainerResultReport,
  type TrainingOutcome,
  type trainRunSchema,
} from '@scaleplan/contracts';
import { countParameters } from '@scaleplan/language-model/shapes';
import { FLOPS_PER_PARAM_TOKEN } from '@scaleplan/scaling-laws';
import type { z } from 'zod';

type TrainRun = z.output<typeof trainRunSchema>;

/** The reports found in a trainer's log, and the report lines that were not valid. */
export interface LogReports {
  readonly progress: TrainerProgressReport[];
  /** The first valid result line (later ones are ignored: one result per attempt). */
  readonly result?: TrainerResultReport;
  readonly invalid: string[];
}

/**
 * Reads the JSON-lines reports out of a trainer's log: lines that are JSON objects with a `scaleplan` field.
 * Other output (framework logs, JSON logs without the field) is left alone.
 */
export function parseReportLines(log: string): LogReports {
  const progress: TrainerProgressReport[] = [];
  const invalid: string[] = [];
  let result: TrainerResultReport | undefined;
  for (const line of log.split('\n')) {
    const text = line.trim();
    if (!text.startsWith('{') || !text.includes(`"${TRAINER_REPORT_FIELD}"`)) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue; // not JSON after all: ordinary output
    }
    if (typeof value !== 'object' || value === null || !(TRAINER_REPORT_FIELD in value)) continue;
    const parsed = trainerReportSchema.safeParse(value);
    if (!parsed.success) {
      invalid.push(`${text.slice(0, 200)}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ')}`);
    } else if (parsed.data[TRAINER_REPORT_FIELD] === 'progress') progress.push(parsed.data);
    else result ??= parsed.data;
  }
  return { progress, ...(result ? { result } : {}), invalid };
}

/** When and where the attempt ran, for the outcome's timing and backend. */
export interface AttemptFacts {
  readonly image: string;
  readonly startedAt?: Date;
  readonly finishedAt: Date;
}

/**
 * The run's outcome from a trainer's result: what the trainer left out comes from the plan (N, D, shape) or
 * is derived (FLOPs = 6·N·D, the loss curve from its progress reports). Returns a reason instead when the
 * result can't be used (a completed run without a final loss, or no shape known).
 */
export function outcomeFromReports(
  run: TrainRun,
  result: TrainerResultReport,
  progress: readonly TrainerProgressReport[],
  facts: AttemptFacts,
): { outcome: TrainingOutcome } | { reason: string } {
  const completed = result.status === RunOutcomeStatus.Completed;
  if (completed && result.finalLoss === undefined) return { reason: 'the trainer reported a completed run without finalLoss' };
  const shape = result.shape ?? run.shape;
  if (!shape) return { reason: 'neither the trainer nor the plan gives the model shape' };
  const params = result.params ?? run.params;
  // Budgets count total parameters (C = 6·N_total·D): a trainer that leaves them out trained the shape it was given.
  const paramsTotal = result.paramsTotal ?? countParameters(shape).total;
  const tokens = result.tokens ?? run.tokens;
  const perToken = FLOPS_PER_PARAM_TOKEN * paramsTotal;
  const curve: LossPoint[] =
    result.curve ??
    progress.map((p) => ({
      step: p.step,
      tokens: p.tokens ?? 0,
      flops: (p.tokens ?? 0) * perToken,
      ...(p.trainLoss !== undefined ? { trainLoss: p.trainLoss } : {}),
      ...(p.evalLoss !== undefined ? { evalLoss: p.evalLoss } : {}),
    }));
  const wallSeconds = facts.startedAt ? Math.max(0, (facts.finishedAt.getTime() - facts.startedAt.getTime()) / 1000) : 0;
  const outcome: TrainingOutcome = {
    runId: run.runId,
    status: result.status,
    params,
    paramsTotal,
    tokens,
    flops: result.flops ?? perToken * tokens,
    ...(result.finalLoss !== undefined ? { finalLoss: result.finalLoss } : {}),
    ...(result.evalTokens !== undefined ? { evalTokens: result.evalTokens } : {}),
    ...(result.finalLossStdError !== undefined ? { finalLossStdError: result.finalLossStdError } : {}),
    ...(result.divergedAtStep !== undefined ? { divergedAtStep: result.divergedAtStep } : {}),
    ...(result.divergenceReason !== undefined ? { divergenceReason: result.divergenceReason } : {}),
    shape,
    curve,
    backend: result.backend ?? `trainer:${facts.image}`,
    simulated: result.simulated ?? false,
    wallSeconds,
    tokensPerSecond: wallSeconds > 0 ? tokens / wallSeconds : 0,
    ...(result.repetitionFactor !== undefined ? { repetitionFactor: result.repetitionFactor } : {}),
    ...(result.recipeVersion !== undefined ? { recipeVersion: result.recipeVersion } : {}),
  };
  return { outcome };
}
