import { RunState, scalingLawSpecSchema, type RunRecord, type ScalingLaw } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { bowlCentre, fitWithSpread as fitOf, NOW, succeedOnBowl, targetSweep } from './__tests__/target-sweep.fixtures.js';
import { plannedShapeOf } from './model-shapes.js';
import { isoFlopBudgetsOf } from './scaling-laws.adapter.js';
import { planIsoFlopSweep, type SweepPlanInput } from './sweep-planner.js';
import { planTargetRuns, sweepFlops } from './sweep-target.js';

const model = { tokenizer: 'byte' as const, sequenceLength: 64 };
const spec = (sweep: Record<string, unknown>) => scalingLawSpecSchema.parse({ sweep: targetSweep(sweep) });
const input = (sweep: Record<string, unknown> = {}): SweepPlanInput => ({
  owner: { namespace: 'default', name: 'study' },
  sweep: spec(sweep).sweep!,
  model,
  centerParams: bowlCentre,
  now: NOW,
});

/** The initial plan with every run succeeded on a bowl around N = sqrt(C/600). */
const finishedPlan = (sweep: Record<string, unknown> = {}): RunRecord[] => succeedOnBowl(planIsoFlopSweep(input(sweep)).runs);

describe('planTargetRuns', () => {
  it('waits for runs in flight and reports the FLOPs spent and planned', () => {
    const runs = planIsoFlopSweep(input()).runs;
    runs[0] = { ...runs[0]!, state: RunState.Succeeded, outcome: { finalLoss: 2, params: runs[0]!.params } as RunRecord['outcome'] };
    const plan = planTargetRuns(input(), runs, undefined, 2)!;
    expect(plan.decision.kind).toBe('wait');
    expect(plan.runs).toEqual([]);
    expect(plan.progress.flopsSpent).toBe(1e11);
    expect(plan.progress.flopsPlanned).toBeCloseTo(4 * 1e11 + 5 * 4e11, -5);
    expect(sweepFlops(runs)).toEqual({ spent: plan.progress.flopsSpent, planned: plan.progress.flopsPlanned });
  });

  it('waits for a refit when the fit does not cover the finished runs', () => {
    const runs = finishedPlan();
    const stale = fitOf(runs.slice(1), 0.05);
    expect(planTargetRuns(input(), runs, stale, 2)!.decision.reason).toMatch(/waiting for a fit/);
  });

  it('is met when the interval at atFlops is within the target', () => {
    const runs = finishedPlan();
    const plan = planTargetRuns(input(), runs, fitOf(runs, 0.1), 2)!;
    expect(plan.decision.kind).toBe('met');
    expect(plan.progress.target).toMatchObject({ met: true, atFlops: 1.6e12, relativeHalfWidth: 0.25 });
    expect(plan.progress.target!.achievedHalfWidth).toBeLessThanOrEqual(0.25);
  });

  it('adds trainable runs when the interval is too wide, replicating a size that exists already', () => {
    const runs = finishedPlan();
    const plan = planTargetRuns(input(), runs, fitOf(runs, 0.6), 2)!;
    expect(plan.decision.kind).toBe('run');
    expect(plan.runs.length).toBeGreaterThan(0);
    for (const run of plan.runs) {
      expect(run.state).toBe(RunState.Planned);
      expect(run.tokens).toBeGreaterThanOrEqual(plannedShapeOf(run.shape).minimumTokens);
      const twin = runs.find((r) => r.budgetFlops === run.budgetFlops && r.paramsTotal === run.paramsTotal);
      if (twin) {
        expect(run.runId).toBe(`${twin.runId}-r1`);
        expect(run.seed).toBe(twin.seed + 1);
      }
    }
    expect(new Set([...runs, ...plan.runs].map((r) => r.runId)).size).toBe(runs.length + plan.runs.length);
  });

  it('stops at maxFlops with the reason and the cost of the next step', () => {
    const runs = finishedPlan({ maxFlops: 2.6e12 });
    const plan = planTargetRuns(input({ maxFlops: 2.6e12 }), runs, fitOf(runs, 0.6), 2)!;
    expect(plan.decision.kind).toBe('capped');
    expect(plan.decision.reason).toMatch(/maxFlops 2\.60e\+12/);
    expect(plan.progress.maxFlops).toBe(2.6e12);
    expect(plan.runs).toEqual([]);
  });

  it('does nothing without a target', () => {
    expect(planTargetRuns({ ...input(), sweep: { ...input().sweep, target: undefined } }, finishedPlan(), undefined, 2)).toBeUndefined();
  });
});

describe('training-curves mode', () => {
  it('trains each size at 4 lengths spanning 16× in tokens, each its own run', () => {
    const plan = planIsoFlopSweep(input({ mode: 'training-curves', budgets: [4e11] }));
    const bySize = new Map<number, RunRecord[]>();
    for (const run of plan.runs) bySize.set(run.params, [...(bySize.get(run.params) ?? []), run]);
    expect(bySize.size).toBe(5);
    for (const runs of bySize.values()) {
      expect(runs).toHaveLength(4);
      const tokens = runs.map((r) => r.tokens).sort((a, b) => a - b);
      expect(tokens[3]! / tokens[0]!).toBeCloseTo(16, 1);
      expect(new Set(runs.map((r) => r.budgetFlops)).size).toBe(4);
    }
    expect(new Set(plan.runs.map((r) => r.runId)).size).toBe(plan.runs.length);
  });

  it('gives Approach 2 the IsoFLOP budgets only: the spec’s and the adaptive planner’s, not the shorter runs’ shared ones', () => {
    const sweep = { mode: 'training-curves', budgets: [1e11, 4e11] };
    const plan = planIsoFlopSweep(input(sweep));
    const law = { spec: spec(sweep) } as ScalingLaw;
    // 5 sizes × 2 budgets × 4 lengths: the C/16 runs of each budget share a budget; the others stand alone.
    expect(new Set(plan.runs.map((r) => r.budgetFlops)).size).toBeGreaterThan(4);
    expect(isoFlopBudgetsOf(law, plan.runs)).toEqual([1e11, 4e11]);
    // A budget the adaptive planner added (no shorter siblings) is an IsoFLOP budget too.
    const added = { ...plan.runs.find((r) => r.budgetFlops === 4e11)!, runId: 'added', budgetFlops: 1.6e12 };
    expect(isoFlopBudgetsOf(law, [...plan.runs, added])).toEqual([1e11, 4e11, 1.6e12]);
    expect(isoFlopBudgetsOf({ spec: spec({ budgets: [1e11, 4e11] }) } as ScalingLaw, plan.runs)).toBeUndefined();
  });
});

describe('spec.sweep admission', () => {
  const issues = (sweep: Record<string, unknown>, modelSpec?: Record<string, unknown>) => {
    const parsed = scalingLawSpecSchema.safeParse({
      sweep: { budgets: [1e11, 4e11], ...sweep },
      ...(modelSpec ? { model: modelSpec } : {}),
    });
    return parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  };
  it.each([
    ['a target of 0', { target: { atFlops: 1e12, relativeHalfWidth: 0 } }, 'sweep.target.relativeHalfWidth', /expected number to be >0/],
    [
      'a negative target',
      { target: { atFlops: 1e12, relativeHalfWidth: -0.1 } },
      'sweep.target.relativeHalfWidth',
      /expected number to be >0/,
    ],
    ['a target budget of 0', { target: { atFlops: 0, relativeHalfWidth: 0.2 } }, 'sweep.target.atFlops', /expected number to be >0/],
    ['maxFlops below one run', { maxFlops: 5e10 }, 'sweep.maxFlops', /below the cost of one run \(1\.000e\+11 FLOPs/],
    [
      'maxFlops below the shortest training-curves run',
      { maxFlops: 5e9, mode: 'training-curves' },
      'sweep.maxFlops',
      /smallest budget \/ lengthRatio/,
    ],
  ])('rejects %s, naming the field', (_name, sweep, path, message) => {
    const found = issues(sweep);
    expect(found.map((i) => i.path)).toContain(path);
    expect(found.find((i) => i.path === path)!.message).toMatch(message);
  });

  it('rejects a target without bootstrap resamples to check it on, naming fit.bootstrap', () => {
    const parsed = scalingLawSpecSchema.safeParse({
      sweep: { budgets: [1e11], target: { atFlops: 1e12, relativeHalfWidth: 0.2 } },
      fit: { bootstrap: 0 },
    });
    expect(parsed.success ? [] : parsed.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['fit.bootstrap', expect.stringMatching(/at least 10 resamples, got 0/)],
    ]);
  });

  it('rejects a corpus outside the data directory, naming the field and what is accepted', () => {
    const found = issues({}, { corpus: '/data/corpus.txt' });
    expect(found).toEqual([
      {
        path: 'model.corpus',
        message: expect.stringMatching(/absolute path.*use moby-dick, sotu, or a path relative to the workers' data directory/),
      },
    ]);
  });

  it('accepts a target with the default level, a cap above one run and the known corpora', () => {
    expect(issues({ target: { atFlops: 1e12, relativeHalfWidth: 0.25 }, maxFlops: 1e11 })).toEqual([]);
    expect(spec({}).sweep!.target).toEqual({ quantity: 'nOpt', atFlops: 1.6e12, relativeHalfWidth: 0.25, level: 0.8 });
    for (const corpus of ['moby-dick', 'sotu', 'books/corpus.txt']) expect(issues({}, { corpus })).toEqual([]);
  });
});

describe('REST admission of spec.sweep', () => {
  const body = (sweep: Record<string, unknown>, modelSpec?: Record<string, unknown>) => ({
    apiVersion: 'scaleplan.dev/v1alpha1',
    kind: 'ScalingLaw',
    metadata: { name: 'study' },
    spec: { sweep: { budgets: [1e11, 4e11], ...sweep }, ...(modelSpec ? { model: modelSpec } : {}) },
  });
  it.each([
    ['target ≤ 0', body({ target: { atFlops: 1e12, relativeHalfWidth: 0 } }), 'spec.sweep.target.relativeHalfWidth'],
    ['maxFlops below one run', body({ maxFlops: 1e10 }), 'spec.sweep.maxFlops'],
    ['a corpus outside the data directory', body({}, { corpus: '../corpus.txt' }), 'spec.model.corpus'],
  ])('answers %s with a 400 naming the field', async (_name, given, field) => {
    const { validateScalingLaw } = await import('../http/resource-validation.js');
    let caught: unknown;
    try {
      validateScalingLaw(given, 'default');
    } catch (error) {
      caught = error;
    }
    expect((caught as { fields?: { field: string }[] }).fields?.map((f) => f.field)).toContain(field);
  });
});
