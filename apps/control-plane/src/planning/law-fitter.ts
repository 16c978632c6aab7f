import type { RunRecord, ScalingLaw } from '@scaleplan/contracts';
import type { ScalingLawFitState } from './fit-state.js';

/** Fits a study's succeeded runs with every method of its spec (bootstrap intervals, diagnostics and trust verdicts included). */
export interface LawFitter {
  /**
   * `previous` carries the last fit (its Approach-3 optimum joins the start grid; history). Methods that
   * cannot fit (too few runs, no training curves, …) are listed in `skipped` with the reason and get an
   * untrusted verdict in `verdicts`; non-convergence is reported, never thrown. `budgets` are the FLOPs of
   * the ComputeBudgets that allocate from the law: the verdict checks N_opt's interval there.
   */
  fit(
    law: ScalingLaw,
    runs: readonly RunRecord[],
    previous: ScalingLawFitState | undefined,
    budgets?: readonly number[],
  ): Promise<ScalingLawFitState>;
}
