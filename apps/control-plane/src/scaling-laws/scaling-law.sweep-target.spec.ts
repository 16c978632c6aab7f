import { ConditionReason, RUNS_FINALIZER, scalingLawSchema, type RunRecord, type ScalingLaw } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import type { ScalingLawFitState } from '../planning/fit-state.js';
import { bowlCentre, fitWithSpread as fitOf, NOW, succeedOnBowl, targetSweep } from '../planning/__tests__/target-sweep.fixtures.js';
import { decideScalingLaw, type ObservedScalingLaw } from './scaling-law.reconciler.js';

// The reconciler's hook into the adaptive precision planner (spec.sweep.target / maxFlops).
const law = (sweep: Record<string, unknown>): ScalingLaw =>
  scalingLawSchema.parse({
    metadata: { name: 'study', namespace: 'default', generation: 1, finalizers: [RUNS_FINALIZER] },
    spec: { sweep: targetSweep(sweep), fit: { methods: [2], primaryMethod: 2 } },
    status: { plannedGeneration: 1, observedGeneration: 1 },
  });
const observe = (l: ScalingLaw, runs: RunRecord[], fit?: ScalingLawFitState): ObservedScalingLaw => ({
  law: l,
  runs,
  fit,
  prior: bowlCentre,
  now: NOW,
});

/** The first plan of `l`, every run succeeded on a bowl around N = sqrt(C/600). */
const finished = (l: ScalingLaw): RunRecord[] =>
  succeedOnBowl(decideScalingLaw(observe(scalingLawSchema.parse({ ...l, status: undefined }), [])).addRuns);

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
