import type { RunRecord, ScalingLaw } from '@scaleplan/contracts';
import type { StudyFitState } from './fit-state.js';

/** Fits a study's succeeded runs with every method of its spec (bootstrap intervals included). */
export interface LawFitter {
  /**
   * `previous` carries the last fit (Approach 3 warm start, history). Methods that cannot fit (too few
   * runs, …) are listed in `skipped` with the reason; non-convergence is reported, never thrown.
   */
  fit(law: ScalingLaw, runs: readonly RunRecord[], previous: StudyFitState | undefined): Promise<StudyFitState>;
}
