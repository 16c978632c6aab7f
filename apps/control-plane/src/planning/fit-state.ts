import type { FitSummary, TrustVerdictStatus } from '@scaleplan/contracts';
import type { FittedMapping, LossLaw } from '@scaleplan/scaling-laws';

/** The latest fit of one method: its status summary and the fitted mapping (point + bootstrap replicates) allocations use. */
export interface MethodFit {
  readonly summary: FitSummary;
  readonly fitted: FittedMapping;
}

/** Everything the control plane keeps about a ScalingLaw's fits (Redis, beside the runs). */
export interface ScalingLawFitState {
  readonly fittedAt: string;
  /** Succeeded runs the fits used, by id. */
  readonly runIds: readonly string[];
  readonly methods: readonly MethodFit[];
  /** Fit history (newest last, capped). */
  readonly history: readonly { fittedAt: string; method: number; runs: number; a: number; b: number }[];
  /** Approach 3 warm start for the next refit. */
  readonly warmStart?: LossLaw;
  /** Why individual methods could not fit (too few runs, …). */
  readonly skipped: readonly { method: number; reason: string }[];
  /** The primary method when the fit ran. */
  readonly primaryMethod?: number;
  /** Every requested method's trust verdict, refused methods included (a refused method has no summary to carry it). */
  readonly verdicts?: readonly { method: number; verdict: TrustVerdictStatus }[];
}

/** The method fit a budget should use: the requested one, else the primary, else any. */
export function pickMethod(state: ScalingLawFitState | undefined, preferred: number | undefined, primary: number): MethodFit | undefined {
  if (!state) return undefined;
  // A state stored before fits carried their FittedMapping has no `fitted`: it is not used (the next refit replaces it).
  const usable = state.methods.filter((m) => m.summary.converged && m.fitted !== undefined);
  return (
    usable.find((m) => m.summary.method === preferred) ??
    usable.find((m) => m.summary.method === primary) ??
    usable.find((m) => m.summary.method === 3) ??
    usable[0]
  );
}
