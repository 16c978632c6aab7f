import {
  ConditionReason,
  RUNS_FINALIZER,
  RunState,
  scalingLawSchema,
  type FitSummary,
  type RunRecord,
  type ScalingLaw,
} from '@scaleplan/contracts';
import type { AllocationMapping } from '@scaleplan/scaling-laws';
import { describe, expect, it } from 'vitest';
import type { StudyFitState } from '../planning/fit-state.js';
import { decideScalingLaw, type ObservedScalingLaw } from './scaling-law.reconciler.js';

// The reconciler's hook into the adaptive precision planner (spec.sweep.target / maxFlops).
const NOW = '2026-01-01T00:00:00.000Z';
const law = (sweep: Record<string, unknown>): ScalingLaw =>
  scalingLawSchema.parse({
    metadata: { name: 'study', namespace: 'default', generation: 1, finalizers: [RUNS_FINALIZER] },
    spec: {
      sweep: { budgets: [1e11, 4e11], sizesPerBudget: 5, target: { atFlops: 1.6e12, relativeHalfWidth: 0.25 }, ...sweep },
      fit: { methods: [2], primaryMethod: 2 },
    },
    status: { plannedGeneration: 1, observedGeneration: 1 },
  });
const observe = (l: ScalingLaw, runs: RunRecord[], fit?: StudyFitState): ObservedScalingLaw => ({
  law: l,
  runs,
  fit,
  prior: (c) => Math.sqrt(c / 600),
  now: NOW,
});

const powerLaw = (paramCoeff: number): AllocationMapping => ({
  kind: 'power-law',
  powerLaw: { paramCoeff, paramExponent: 0.5, tokenCoeff: 1 / (6 * paramCoeff), tokenExponent: 0.5 },
});
function fitOf(runs: readonly RunRecord[], spread: number): StudyFitState {
  const k = 1 / Math.sqrt(600);
  const summary: FitSummary = { method: 2, converged: true, fittedAt: NOW, runs: runs.length, a: 0.5, b: 0.5, warnings: [] };
  const samples = Array.from({ length: 41 }, (_, i) => powerLaw(k * (1 + spread * (i / 20 - 1))));
  return {
    fittedAt: NOW,
    runIds: runs.map((r) => r.runId),
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
    // A trusted verdict: what the target decides is then the only thing between the study and Ready.
    verdicts: [{ method: 2, verdict: { trusted: true, reason: 'Trusted', message: 'trusted', checks: [] } }],
  };
}

/** The first plan of `l`, every run succeeded on a bowl around N = sqrt(C/600). */
function finished(l: ScalingLaw): RunRecord[] {
  const fresh = scalingLawSchema.parse({ ...l, status: undefined });
  return decideScalingLaw(observe(fresh, [])).addRuns.map((r) => {
    const x = Math.log10(r.params) - Math.log10(Math.sqrt(r.budgetFlops / 600));
    return { ...r, state: RunState.Succeeded, outcome: { finalLoss: 2 + 0.3 * x * x, params: r.params } as RunRecord['outcome'] };
  });
}

describe('decideScalingLaw with spec.sweep.target', () => {
  it('is Ready once the target holds, and shows the FLOPs spent', () => {
    const l = law({});
    const runs = finished(l);
    const outcome = decideScalingLaw(observe(l, runs, fitOf(runs, 0.1)));
    expect(outcome.addRuns).toEqual([]);
    expect(outcome.status.phase).toBe('Ready');
    expect(outcome.status.sweep?.target?.met).toBe(true);
    expect(outcome.status.sweep?.flopsSpent).toBeCloseTo(5 * 1e11 + 5 * 4e11, -5);
    expect(outcome.status.sweep?.flopsPlanned).toBe(0);
  });

  it('keeps measuring while the target does not hold: adds runs, not Ready', () => {
    const l = law({});
    const runs = finished(l);
    const outcome = decideScalingLaw(observe(l, runs, fitOf(runs, 0.6)));
    expect(outcome.addRuns.length).toBeGreaterThan(0);
    expect(outcome.status.phase).toBe('Running');
    expect(outcome.status.sweep?.flopsPlanned).toBeGreaterThan(0);
    expect(outcome.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });

  it('is Degraded at maxFlops, saying why and what the next step would cost', () => {
    const l = law({ maxFlops: 2.6e12 });
    const runs = finished(l);
    const outcome = decideScalingLaw(observe(l, runs, fitOf(runs, 0.6)));
    expect(outcome.addRuns).toEqual([]);
    expect(outcome.status.phase).toBe('Degraded');
    const degraded = outcome.status.conditions?.find((c) => c.type === 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: ConditionReason.FlopCapReached });
    expect(degraded?.message).toMatch(/the next step would cost .* FLOPs/);
    expect(outcome.status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: ConditionReason.PrecisionTargetNotMet,
    });
  });
});
