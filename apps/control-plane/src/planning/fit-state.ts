import type { FitSummary } from '@scaleplan/contracts';
import { z } from 'zod';

/** A fitted allocation mapping in one of its two forms (DESIGN.md vocabulary). */
export type Mapping =
  | { readonly form: 'loss'; readonly law: { irreducibleLoss: number; paramCoeff: number; dataCoeff: number; paramExponent: number; dataExponent: number } }
  | { readonly form: 'power'; readonly paramCoeff: number; readonly a: number; readonly tokenCoeff: number; readonly b: number };

/** The latest fit of one method with the bootstrap mappings its intervals come from. */
export interface MethodFit {
  readonly summary: FitSummary;
  /** The point estimate. */
  readonly mapping: Mapping;
  /** Bootstrap replicates (for allocation intervals of any budget). */
  readonly samples: readonly Mapping[];
}

/** Everything the control plane keeps about a study's fits (Redis, beside the runs). */
export interface StudyFitState {
  readonly fittedAt: string;
  /** Succeeded runs the fits used, by id. */
  readonly runIds: readonly string[];
  readonly methods: readonly MethodFit[];
  /** Fit history (newest last, capped). */
  readonly history: readonly { fittedAt: string; method: number; runs: number; a: number; b: number }[];
  /** Approach 3 warm start for the next refit. */
  readonly warmStart?: Extract<Mapping, { form: 'loss' }>['law'];
  /** Why individual methods could not fit (too few runs, …). */
  readonly skipped: readonly { method: number; reason: string }[];
}

export const studyFitStateSchema = z.custom<StudyFitState>((value) => typeof value === 'object' && value !== null && 'methods' in value);

/** The method fit a budget should use: the requested one, else the primary, else any. */
export function pickMethod(state: StudyFitState | undefined, preferred: number | undefined, primary: number): MethodFit | undefined {
  if (!state) return undefined;
  const usable = state.methods.filter((m) => m.summary.converged);
  return (
    usable.find((m) => m.summary.method === preferred) ??
    usable.find((m) => m.summary.method === primary) ??
    usable.find((m) => m.summary.method === 3) ??
    usable[0]
  );
}
