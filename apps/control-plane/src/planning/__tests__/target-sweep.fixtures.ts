// Shared by the planner's and the reconciler's specs of spec.sweep.target, so both test the same study.
import { RunState, type FitSummary, type RunRecord } from '@scaleplan/contracts';
import type { AllocationMapping } from '@scaleplan/scaling-laws';
import type { ScalingLawFitState } from '../fit-state.js';

export const NOW = '2026-01-01T00:00:00.000Z';

/** Two budgets × 5 sizes, asked for N_opt at 1.6e12 FLOPs within ±25%; `overrides` replace fields of spec.sweep. */
export const targetSweep = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  budgets: [1e11, 4e11],
  sizesPerBudget: 5,
  target: { atFlops: 1.6e12, relativeHalfWidth: 0.25 },
  ...overrides,
});

/** The true N_opt(C) of the synthetic study: the bottom of its loss bowl. */
export const bowlCentre = (flops: number): number => Math.sqrt(flops / 600);

/** `runs` succeeded, with losses on a bowl in log N (total parameters, as the planner counts them) around `bowlCentre` of their budget. */
export const succeedOnBowl = (runs: readonly RunRecord[]): RunRecord[] =>
  runs.map((r) => {
    const x = Math.log10(r.paramsTotal!) - Math.log10(bowlCentre(r.budgetFlops));
    const outcome = { finalLoss: 2 + 0.3 * x * x, params: r.params, paramsTotal: r.paramsTotal } as RunRecord['outcome'];
    return { ...r, state: RunState.Succeeded, outcome };
  });

const powerLaw = (paramCoeff: number): AllocationMapping => ({
  kind: 'power-law',
  powerLaw: { paramCoeff, paramExponent: 0.5, tokenCoeff: 1 / (6 * paramCoeff), tokenExponent: 0.5 },
});

/**
 * An Approach-2 fit of the succeeded `runs` centred on `bowlCentre`, whose bootstrap N_opt spreads ×(1 ± spread),
 * with a trusted verdict: what the precision target decides is then the only thing between the study and Ready.
 */
export function fitWithSpread(runs: readonly RunRecord[], spread: number): ScalingLawFitState {
  const k = 1 / Math.sqrt(600);
  const summary: FitSummary = { method: 2, converged: true, fittedAt: NOW, runs: runs.length, a: 0.5, b: 0.5, warnings: [] };
  const samples = Array.from({ length: 41 }, (_, i) => powerLaw(k * (1 + spread * (i / 20 - 1))));
  return {
    fittedAt: NOW,
    runIds: runs.filter((r) => r.state === RunState.Succeeded).map((r) => r.runId),
    methods: [
      {
        summary,
        fitted: {
          source: { kind: 'fit', method: 2, runs: runs.length },
          mapping: powerLaw(k),
          samples,
          resamples: 41,
          percentiles: [10, 90],
        },
      },
    ],
    history: [],
    skipped: [],
    verdicts: [{ method: 2, verdict: { trusted: true, reason: 'Trusted', message: 'trusted', checks: [] } }],
  };
}
