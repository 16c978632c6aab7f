import { z } from 'zod';

/** Condition types of both kinds (STYLE.md §6.2). */
export const ConditionType = { Ready: 'Ready', Planned: 'Planned', Progressing: 'Progressing', Degraded: 'Degraded' } as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons are CamelCase constants; messages are sentences for humans. */
export const ConditionReason = {
  // ScalingLaw
  PresetLoaded: 'PresetLoaded',
  SweepPlanned: 'SweepPlanned',
  SweepRunning: 'SweepRunning',
  SweepComplete: 'SweepComplete',
  FitConverged: 'FitConverged',
  FitDidNotConverge: 'FitDidNotConverge',
  AwaitingRuns: 'AwaitingRuns',
  FailureBudgetExceeded: 'FailureBudgetExceeded',
  InvalidSweep: 'InvalidSweep',
  /** the primary fit passed its trust verdict */
  FitTrusted: 'FitTrusted',
  // Trust-verdict reasons (libs/scaling-laws trust-verdict.ts): why the primary fit is not trusted.
  NotConverged: 'NotConverged',
  InsufficientEvidence: 'InsufficientEvidence',
  IllConditioned: 'IllConditioned',
  MinimumNotBracketed: 'MinimumNotBracketed',
  MethodsDisagree: 'MethodsDisagree',
  IntervalTooWide: 'IntervalTooWide',
  /** spec.sweep.target does not hold yet (the planner is adding runs, or stopped at maxFlops) */
  PrecisionTargetNotMet: 'PrecisionTargetNotMet',
  /** the planner stopped at spec.sweep.maxFlops before the target held */
  FlopCapReached: 'FlopCapReached',
  // ComputeBudget
  AllocationResolved: 'AllocationResolved',
  AwaitingFit: 'AwaitingFit',
  /** the law's sweep is still measuring: the allocation is provisional */
  LawMeasuring: 'LawMeasuring',
  /** the law stopped without passing its trust verdict: the allocation is provisional */
  LawNotTrusted: 'LawNotTrusted',
  UnknownScalingLaw: 'UnknownScalingLaw',
  BudgetTooSmall: 'BudgetTooSmall',
  InvalidBudget: 'InvalidBudget',
  FinalRunQueued: 'FinalRunQueued',
  FinalRunRunning: 'FinalRunRunning',
  FinalRunSucceeded: 'FinalRunSucceeded',
  FinalRunFailed: 'FinalRunFailed',
  FinalRunDiverged: 'FinalRunDiverged',
  // both
  Reconciled: 'Reconciled',
  Deleting: 'Deleting',
} as const;
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

/** metav1.Condition */
export const conditionSchema = z.object({
  type: z.string().describe('Type of condition: Ready, Planned, Progressing or Degraded.'),
  status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition.'),
  reason: z.string().describe('CamelCase reason for the last transition.'),
  message: z.string().describe('Human-readable explanation.'),
  lastTransitionTime: z.string().describe('When the status last changed (RFC 3339).'),
  observedGeneration: z.number().int().optional().describe('metadata.generation the condition was computed from.'),
});
export type Condition = z.infer<typeof conditionSchema>;

/**
 * Replaces the condition of the same type. `lastTransitionTime` moves only when the status flips
 * (Kubernetes API conventions).
 */
export function setCondition(current: readonly Condition[] | undefined, next: Condition): Condition[] {
  const existing = current ?? [];
  const previous = existing.find((c) => c.type === next.type);
  const lastTransitionTime = previous?.status === next.status ? previous.lastTransitionTime : next.lastTransitionTime;
  return [...existing.filter((c) => c.type !== next.type), { ...next, lastTransitionTime }];
}

/** Sets each of `next` in order on a status's conditions (a later condition of the same type replaces an earlier one). */
export function withConditions(
  status: { readonly conditions?: readonly Condition[] | undefined },
  next: readonly Condition[],
): Condition[] {
  let conditions: Condition[] = [...(status.conditions ?? [])];
  for (const c of next) conditions = setCondition(conditions, c);
  return conditions;
}

/** Looks a condition up by type. */
export const findCondition = (conditions: readonly Condition[] | undefined, type: ConditionType): Condition | undefined =>
  conditions?.find((c) => c.type === type);

/** True when the condition of that type has status "True". */
export const isConditionTrue = (conditions: readonly Condition[] | undefined, type: ConditionType): boolean =>
  findCondition(conditions, type)?.status === 'True';
