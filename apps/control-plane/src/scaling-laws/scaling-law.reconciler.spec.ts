import { RUNS_FINALIZER, RunState, scalingLawSchema, type RunRecord, type ScalingLaw } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import type { StudyFitState } from '../planning/fit-state.js';
import { decideScalingLaw, type ObservedScalingLaw } from './scaling-law.reconciler.js';

const NOW = '2026-01-01T00:00:00.000Z';
const law = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}, status?: ScalingLaw['status']): ScalingLaw =>
  scalingLawSchema.parse({
    metadata: { name: 'study', namespace: 'default', generation: 1, finalizers: [RUNS_FINALIZER], ...meta },
    spec: { sweep: { budgets: [1e11, 1e12], sizesPerBudget: 5 }, maxConcurrentRuns: 2, maxFailedRuns: 1, ...spec },
    ...(status ? { status } : {}),
  });
const observe = (l: ScalingLaw, runs: RunRecord[] = [], fit?: StudyFitState): ObservedScalingLaw => ({ law: l, runs, fit, prior: () => 3e4, now: NOW });
const planned = (l: ScalingLaw) => decideScalingLaw(observe(l)).addRuns;
const withState = (runs: readonly RunRecord[], states: RunRecord['state'][]): RunRecord[] =>
  runs.map((r, i) => ({ ...r, state: states[i] ?? r.state, ...(states[i] === RunState.Succeeded ? { outcome: { finalLoss: 2, params: r.params } as RunRecord['outcome'] } : {}) }));
const plannedStatus = { plannedGeneration: 1, observedGeneration: 1 } as ScalingLaw['status'];

describe('decideScalingLaw', () => {
  const base = law({});
  const runs = planned(base);

  const cases: { name: string; observed: ObservedScalingLaw; expect: (o: ReturnType<typeof decideScalingLaw>) => void }[] = [
    {
      name: 'plans the sweep once per generation and enqueues up to maxConcurrentRuns',
      observed: observe(base),
      expect: (o) => {
        expect(o.addRuns).toHaveLength(10);
        expect(o.enqueue).toHaveLength(2);
        expect(o.status.phase).toBe('Running');
        expect(o.status.plannedGeneration).toBe(1);
        expect(o.status.runs?.queued).toBe(2);
      },
    },
    {
      name: 'adds the finalizer first',
      observed: observe(law({}, { finalizers: [] })),
      expect: (o) => expect(o.addFinalizer).toBe(true),
    },
    {
      name: 'does not re-plan the same generation (no duplicate runs)',
      observed: observe(law({}, {}, plannedStatus), withState(runs, [RunState.Queued, RunState.Queued])),
      expect: (o) => {
        expect(o.addRuns).toHaveLength(0);
        expect(o.enqueue).toHaveLength(0);
      },
    },
    {
      name: 'fills freed slots as runs finish (fair per-study cap)',
      observed: observe(law({}, {}, plannedStatus), withState(runs, [RunState.Succeeded, RunState.Running])),
      expect: (o) => {
        expect(o.enqueue).toHaveLength(1);
        expect(o.requestRefit).toBe(true);
      },
    },
    {
      name: 'past the failure budget: Degraded with the reason, nothing new enqueued, queued runs kept',
      observed: observe(law({}, {}, plannedStatus), withState(runs, [RunState.Failed, RunState.Failed, RunState.Queued])),
      expect: (o) => {
        expect(o.status.phase).toBe('Degraded');
        expect(o.enqueue).toHaveLength(0);
        expect(o.dropRunIds).toHaveLength(0);
        expect(o.status.conditions?.find((c) => c.type === 'Degraded')?.reason).toBe('FailureBudgetExceeded');
      },
    },
    {
      name: 'lists diverged runs as excluded with the reason',
      observed: observe(law({}, {}, plannedStatus), withState(runs, [RunState.Diverged]).map((r, i) => (i === 0 ? { ...r, error: 'diverged at step 12: loss became NaN; excluded from the fits' } : r))),
      expect: (o) => {
        expect(o.status.excludedRuns?.[0]?.reason).toMatch(/loss became NaN/);
        expect(o.status.runs?.diverged).toBe(1);
      },
    },
    {
      name: 'a spec edit (new generation) re-plans and drops planned runs that are no longer wanted',
      observed: observe(law({ sweep: { budgets: [1e12], sizesPerBudget: 5 } }, { generation: 2 }, plannedStatus), [...runs]),
      expect: (o) => {
        expect(o.dropRunIds.length).toBe(5);
        expect(o.addRuns).toHaveLength(0);
        expect(o.status.plannedGeneration).toBe(2);
      },
    },
    {
      name: 'being deleted: finalize',
      observed: observe(law({}, { deletionTimestamp: NOW })),
      expect: (o) => {
        expect(o.finalize).toBe(true);
        expect(o.status.phase).toBe('Deleting');
      },
    },
    {
      name: 'refuses budgets below the smallest model with the reason',
      observed: observe(law({ sweep: { budgets: [1e3] } })),
      expect: (o) => {
        expect(o.status.phase).toBe('Degraded');
        expect(o.status.conditions?.find((c) => c.type === 'Degraded')?.message).toMatch(/below the smallest run/);
      },
    },
  ];

  for (const c of cases) it(c.name, () => c.expect(decideScalingLaw(c.observed)));

  it('is Ready once every run finished and the fit covers them', () => {
    const done = withState(runs, runs.map(() => RunState.Succeeded));
    const fit: StudyFitState = {
      fittedAt: NOW,
      runIds: done.map((r) => r.runId),
      methods: [{ summary: { method: 3, converged: true, fittedAt: NOW, runs: 10, a: 0.5, b: 0.5, warnings: [] }, mapping: { form: 'power', paramCoeff: 0.1, a: 0.5, tokenCoeff: 1.7, b: 0.5 }, samples: [] }],
      history: [],
      skipped: [],
    };
    const outcome = decideScalingLaw(observe(law({}, {}, plannedStatus), done, fit));
    expect(outcome.status.phase).toBe('Ready');
    expect(outcome.requestRefit).toBe(false);
    expect(outcome.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('rounds the fitted a and b of status.primaryFit (the kubectl get sl columns) and keeps status.fits exact', () => {
    const done = withState(runs, runs.map(() => RunState.Succeeded));
    const summary = { method: 3 as const, converged: true, fittedAt: NOW, runs: 10, a: 0.49871234567, b: 0.50128765433, aInterval: [0.4712345678, 0.5212345678] as [number, number], warnings: [] };
    const fit: StudyFitState = {
      fittedAt: NOW,
      runIds: done.map((r) => r.runId),
      methods: [{ summary, mapping: { form: 'power', paramCoeff: 0.1, a: summary.a, tokenCoeff: 1.7, b: summary.b }, samples: [] }],
      history: [],
      skipped: [],
    };
    const { status } = decideScalingLaw(observe(law({}, {}, plannedStatus), done, fit));
    expect(status.primaryFit).toMatchObject({ a: 0.4987, b: 0.5013, aInterval: summary.aInterval, runs: 10 });
    expect(status.fits).toEqual([summary]);
  });
});
