import { RUNS_FINALIZER, RunState, scalingLawSchema, type RunRecord, type ScalingLaw } from '@scaleplan/contracts';
import type { FittedMapping } from '@scaleplan/scaling-laws';
import { describe, expect, it } from 'vitest';
import type { ScalingLawFitState } from '../planning/fit-state.js';
import { decideFitConditions, decideScalingLaw, type FitConditionInput, type ObservedScalingLaw } from './scaling-law.reconciler.js';

const NOW = '2026-01-01T00:00:00.000Z';
/** An Approach-2 style fit: N = 0.1·C^a, D = 1.7·C^b, no bootstrap. */
const powerLawFit = (a: number, b: number): FittedMapping => ({
  source: { kind: 'fit', method: 2, runs: 10 },
  mapping: { kind: 'power-law', powerLaw: { paramCoeff: 0.1, paramExponent: a, tokenCoeff: 1.7, tokenExponent: b } },
  samples: [],
  percentiles: [10, 90],
});
const law = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}, status?: ScalingLaw['status']): ScalingLaw =>
  scalingLawSchema.parse({
    metadata: { name: 'study', namespace: 'default', generation: 1, finalizers: [RUNS_FINALIZER], ...meta },
    spec: { sweep: { budgets: [1e11, 1e12], sizesPerBudget: 5 }, maxConcurrentRuns: 2, maxFailedRuns: 1, ...spec },
    ...(status ? { status } : {}),
  });
const observe = (l: ScalingLaw, runs: RunRecord[] = [], fit?: ScalingLawFitState): ObservedScalingLaw => ({
  law: l,
  runs,
  fit,
  prior: () => 3e4,
  now: NOW,
});
const planned = (l: ScalingLaw) => decideScalingLaw(observe(l)).addRuns;
const withState = (runs: readonly RunRecord[], states: RunRecord['state'][]): RunRecord[] =>
  runs.map((r, i) => ({
    ...r,
    state: states[i] ?? r.state,
    ...(states[i] === RunState.Succeeded ? { outcome: { finalLoss: 2, params: r.params } as RunRecord['outcome'] } : {}),
  }));
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
      observed: observe(
        law({}, {}, plannedStatus),
        withState(runs, [RunState.Diverged]).map((r, i) =>
          i === 0 ? { ...r, error: 'diverged at step 12: loss became NaN; excluded from the fits' } : r,
        ),
      ),
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

  it('is Ready once every run finished, the fit covers them and the primary verdict is trusted', () => {
    const done = withState(
      runs,
      runs.map(() => RunState.Succeeded),
    );
    const fit: ScalingLawFitState = {
      fittedAt: NOW,
      runIds: done.map((r) => r.runId),
      methods: [
        { summary: { method: 3, converged: true, fittedAt: NOW, runs: 10, a: 0.5, b: 0.5, warnings: [] }, fitted: powerLawFit(0.5, 0.5) },
      ],
      history: [],
      skipped: [],
      verdicts: [{ method: 3, verdict: TRUSTED }],
    };
    const outcome = decideScalingLaw(observe(law({}, {}, plannedStatus), done, fit));
    expect(outcome.status.phase).toBe('Ready');
    expect(outcome.requestRefit).toBe(false);
    expect(outcome.status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'FitTrusted' });
    expect(outcome.status.verdict).toEqual({ method: 3, trusted: true, reason: 'Trusted', message: TRUSTED.message });
  });

  it('a converged but untrusted fit of a finished sweep is Degraded with the verdict reason (never Ready)', () => {
    const done = withState(
      runs,
      runs.map(() => RunState.Succeeded),
    );
    const untrusted = { trusted: false, reason: 'IllConditioned' as const, message: 'E collapsed to 1.90e-13', checks: [] };
    const fit: ScalingLawFitState = {
      fittedAt: NOW,
      runIds: done.map((r) => r.runId),
      methods: [
        {
          summary: { method: 3, converged: true, fittedAt: NOW, runs: 10, a: 0.95, b: 0.05, warnings: [] },
          fitted: powerLawFit(0.95, 0.05),
        },
      ],
      history: [],
      skipped: [],
      verdicts: [{ method: 3, verdict: untrusted }],
    };
    const outcome = decideScalingLaw(observe(law({}, {}, plannedStatus), done, fit));
    expect(outcome.status.phase).toBe('Degraded');
    expect(outcome.status.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'IllConditioned' });
    expect(outcome.status.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'IllConditioned',
      message: expect.stringMatching(/E collapsed.*adds no more runs/),
    });
    expect(outcome.status.verdict?.reason).toBe('IllConditioned');
  });

  it('a fit stored without verdicts is refitted', () => {
    const done = withState(
      runs,
      runs.map(() => RunState.Succeeded),
    );
    const fit: ScalingLawFitState = { fittedAt: NOW, runIds: done.map((r) => r.runId), methods: [], history: [], skipped: [] };
    expect(decideScalingLaw(observe(law({}, {}, plannedStatus), done, fit)).requestRefit).toBe(true);
  });
  it('rounds the fitted a and b of status.primaryFit (the kubectl get sl columns) and keeps status.fits exact', () => {
    const done = withState(
      runs,
      runs.map(() => RunState.Succeeded),
    );
    const summary = {
      method: 3 as const,
      converged: true,
      fittedAt: NOW,
      runs: 10,
      a: 0.49871234567,
      b: 0.50128765433,
      aInterval: [0.4712345678, 0.5212345678] as [number, number],
      warnings: [],
    };
    const fit: ScalingLawFitState = {
      fittedAt: NOW,
      runIds: done.map((r) => r.runId),
      methods: [{ summary, fitted: powerLawFit(summary.a, summary.b) }],
      history: [],
      skipped: [],
    };
    const { status } = decideScalingLaw(observe(law({}, {}, plannedStatus), done, fit));
    expect(status.primaryFit).toMatchObject({ a: 0.4987, b: 0.5013, aInterval: summary.aInterval, runs: 10 });
    expect(status.fits).toEqual([summary]);
  });

  it('reports the seed spread of the sizes trained with two seeds (status.seedSpread)', () => {
    const finished = withState(
      runs,
      runs.map(() => RunState.Succeeded),
    );
    expect(decideScalingLaw(observe(law({}, {}, plannedStatus), finished)).status.seedSpread).toBeUndefined();
    const replicate = {
      ...finished[0]!,
      runId: `${finished[0]!.runId}-r1`,
      seed: 1,
      outcome: { finalLoss: 2.04, params: finished[0]!.params },
    };
    const spread = decideScalingLaw(observe(law({}, {}, plannedStatus), [...finished, replicate as RunRecord])).status.seedSpread!;
    expect(spread).toMatchObject({ sizes: 10, replicatedSizes: 1, met: false, worst: { budgetFlops: finished[0]!.budgetFlops, seeds: 2 } });
    expect(spread.maxRelativeStd).toBeCloseTo((Math.SQRT2 * 0.02) / 2.02, 6);
  });

  it("keeps the plan's refusals in status.planNotes, so later reconciles repeat them without re-planning", () => {
    const mixed = law({ sweep: { budgets: [10, 1e11], sizesPerBudget: 5 } });
    const first = decideScalingLaw(observe(mixed));
    expect(first.status.planNotes?.refusals).toHaveLength(1);
    const plannedMessage = first.status.conditions?.find((c) => c.type === 'Planned')?.message;
    expect(plannedMessage).toMatch(/\(.*refused: /);
    const again = decideScalingLaw(observe(law(mixed.spec, {}, first.status), [...first.addRuns]));
    expect(again.addRuns).toEqual([]);
    expect(again.status.planNotes).toEqual(first.status.planNotes);
    expect(again.status.conditions?.find((c) => c.type === 'Planned')?.message).toBe(plannedMessage);

    const refused = law({ sweep: { budgets: [10], sizesPerBudget: 5 } });
    const degraded = decideScalingLaw(observe(refused)).status;
    const reason = degraded.planNotes?.refusals[0];
    expect(degraded.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ reason: 'BudgetTooSmall', message: reason });
    const still = decideScalingLaw(observe(law(refused.spec, {}, degraded))).status;
    expect(still.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({ reason: 'BudgetTooSmall', message: reason });
  });
});

const TRUSTED = { trusted: true, reason: 'Trusted' as const, message: 'Trusted: 9 checks passed', checks: [] };
const counts = (finished: number, total: number, running = 0, queued = 0) => ({ finished, total, running, queued, succeeded: finished });

describe('decideFitConditions', () => {
  const rows: {
    name: string;
    input: FitConditionInput;
    phase: string;
    ready: [boolean, string];
    progressing: boolean;
    degraded: [boolean, string];
  }[] = [
    {
      name: 'runs still coming, no fit yet: Running, AwaitingRuns, Progressing',
      input: {
        primary: 3,
        verdict: undefined,
        fitRuns: 0,
        primaryFit: undefined,
        refitting: false,
        remaining: 4,
        counts: counts(0, 4, 2, 2),
      },
      phase: 'Running',
      ready: [false, 'AwaitingRuns'],
      progressing: true,
      degraded: [false, 'Reconciled'],
    },
    {
      name: 'untrusted while runs are coming: Ready=False with the reason, Progressing, not Degraded',
      input: {
        primary: 3,
        verdict: { trusted: false, reason: 'IntervalTooWide', message: 'a interval is 0.4 wide', checks: [] },
        fitRuns: 6,
        primaryFit: undefined,
        refitting: false,
        remaining: 3,
        counts: counts(6, 9, 3),
      },
      phase: 'Running',
      ready: [false, 'IntervalTooWide'],
      progressing: true,
      degraded: [false, 'Reconciled'],
    },
    {
      name: 'the tiny real sweep: 3 runs finished, every method refused: Degraded InsufficientEvidence (no endless Fitting)',
      input: {
        primary: 3,
        verdict: {
          trusted: false,
          reason: 'InsufficientEvidence',
          message: 'Approach 3 could not fit: Approach 3 needs at least 6 runs, got 3',
          checks: [],
        },
        fitRuns: 3,
        primaryFit: undefined,
        refitting: false,
        remaining: 0,
        counts: counts(3, 3),
      },
      phase: 'Degraded',
      ready: [false, 'InsufficientEvidence'],
      progressing: false,
      degraded: [true, 'InsufficientEvidence'],
    },
    {
      name: 'every run failed: nothing to fit, Degraded InsufficientEvidence',
      input: {
        primary: 2,
        verdict: undefined,
        fitRuns: 0,
        primaryFit: undefined,
        refitting: false,
        remaining: 0,
        counts: { ...counts(3, 3), succeeded: 0 },
      },
      phase: 'Degraded',
      ready: [false, 'InsufficientEvidence'],
      progressing: false,
      degraded: [true, 'InsufficientEvidence'],
    },
    {
      name: 'all finished, refit due: Fitting, Progressing',
      input: { primary: 3, verdict: TRUSTED, fitRuns: 8, primaryFit: undefined, refitting: true, remaining: 0, counts: counts(9, 9) },
      phase: 'Fitting',
      ready: [false, 'AwaitingRuns'],
      progressing: true,
      degraded: [false, 'Reconciled'],
    },
    {
      name: 'all finished, fit current and trusted: Ready',
      input: { primary: 3, verdict: TRUSTED, fitRuns: 9, primaryFit: undefined, refitting: false, remaining: 0, counts: counts(9, 9) },
      phase: 'Ready',
      ready: [true, 'FitTrusted'],
      progressing: false,
      degraded: [false, 'Reconciled'],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const c = decideFitConditions(row.input);
      expect(c.phase).toBe(row.phase);
      expect([c.ready.status, c.ready.reason]).toEqual(row.ready);
      expect(c.progressing.status).toBe(row.progressing);
      expect([c.degraded.status, c.degraded.reason]).toEqual(row.degraded);
    });
  }
});
