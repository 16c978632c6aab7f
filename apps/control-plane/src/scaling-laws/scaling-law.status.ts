import { ConditionReason, ConditionType, type Condition } from '@scaleplan/contracts';

/** Builds a condition stamped with `now` and the generation it was computed from. */
export function condition(
  type: (typeof ConditionType)[keyof typeof ConditionType],
  status: boolean,
  reason: (typeof ConditionReason)[keyof typeof ConditionReason],
  message: string,
  now: string,
  observedGeneration: number,
): Condition {
  return { type, status: status ? 'True' : 'False', reason, message, lastTransitionTime: now, observedGeneration };
}

/** Fit history entries kept in a study's status. */
export const FIT_HISTORY_LIMIT = 50;
/** Excluded runs listed in a study's status. */
export const EXCLUDED_RUNS_LIMIT = 50;
