import { ConditionReason, ConditionType, roundSignificant, type Condition, type FitSummary } from '@scaleplan/contracts';

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

/**
 * `status.primaryFit`, whose a and b are the `kubectl get sl` columns: rounded to DISPLAY_SIGNIFICANT_FIGURES.
 * `status.fits` (the exports, the dashboard) and the fit store (allocations) keep them exact.
 */
export const displayedFit = (fit: FitSummary): FitSummary => ({ ...fit, a: roundSignificant(fit.a), b: roundSignificant(fit.b) });
