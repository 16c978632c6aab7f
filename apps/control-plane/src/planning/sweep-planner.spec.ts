import { RunState, scalingLawSpecSchema, type RunRecord } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { plannedShapeOf } from './model-shapes.js';
import {
  budgetTooSmallReason,
  planAdaptiveRuns,
  planIsoFlopSweep,
  resolveBudgets,
  sweepRunId,
  type SweepPlanInput,
} from './sweep-planner.js';

const model = { tokenizer: 'byte' as const, sequenceLength: 64 };
const sweepOf = (sweep: unknown) => scalingLawSpecSchema.parse({ sweep }).sweep!;
const input = (sweep: unknown, center = 3e4): SweepPlanInput => ({
  owner: { namespace: 'default', name: 'study' },
  sweep: sweepOf(sweep),
  model,
  centerParams: () => center,
  now: '2026-01-01T00:00:00.000Z',
});

describe('resolveBudgets', () => {
  it('log-spaces a range from min to max', () => {
    const budgets = resolveBudgets(sweepOf({ budgetRange: { min: 1e10, max: 1e12, count: 3 } }));
    expect(budgets.map((b) => Math.round(Math.log10(b) * 1e6) / 1e6)).toEqual([10, 11, 12]);
  });
});

describe('planIsoFlopSweep', () => {
  it('spans at least ±0.5 decade of total N around the centre with D = C / (6·N_total)', () => {
    const plan = planIsoFlopSweep(input({ budgets: [1e12], sizesPerBudget: 5, spanDecades: 1 }));
    expect(plan.runs).toHaveLength(5);
    const logs = plan.runs.map((r) => Math.log10(r.paramsTotal!));
    expect(Math.max(...logs) - Math.min(...logs)).toBeGreaterThan(0.95);
    expect(Math.min(...logs)).toBeLessThan(Math.log10(3e4));
    expect(Math.max(...logs)).toBeGreaterThan(Math.log10(3e4));
    for (const run of plan.runs) {
      // Both counts are the planned shape's, exactly; the budget is spent at 6 FLOPs per total parameter and token.
      const counts = plannedShapeOf(run.shape);
      expect(run.paramsTotal).toBe(counts.paramsTotal);
      expect(run.params).toBe(counts.params);
      expect(run.paramsTotal! - run.params).toBe(2 * 256 * run.shape.modelDim + 64 * run.shape.modelDim);
      expect(6 * run.paramsTotal! * run.tokens).toBeLessThanOrEqual(1e12);
      expect(6 * run.paramsTotal! * (run.tokens + 1)).toBeGreaterThan(1e12);
      expect(run.state).toBe(RunState.Planned);
      expect(run.runId).toBe(sweepRunId(1e12, run.paramsTotal!));
    }
  });

  it('plans sizes by total N within the shape solver tolerance of the log-spaced targets', () => {
    const plan = planIsoFlopSweep(input({ budgets: [1e12], sizesPerBudget: 3, spanDecades: 1 }));
    const targets = [-0.5, 0, 0.5].map((offset) => 3e4 * 10 ** offset);
    plan.runs.forEach((run, i) => expect(Math.abs(run.paramsTotal! / targets[i]! - 1)).toBeLessThanOrEqual(0.02));
  });

  it('is deterministic, so re-planning gives the same run ids', () => {
    const a = planIsoFlopSweep(input({ budgets: [1e11, 1e12] }));
    const b = planIsoFlopSweep(input({ budgets: [1e11, 1e12] }));
    expect(a.runs.map((r) => r.runId)).toEqual(b.runs.map((r) => r.runId));
  });

  it('refuses budgets below the smallest model at one batch, with the reason', () => {
    const plan = planIsoFlopSweep(input({ budgets: [1e3, 1e12] }));
    expect(plan.refused).toHaveLength(1);
    expect(plan.refused[0]!.reason).toMatch(/below the smallest run/);
    expect(budgetTooSmallReason(1e3, model)).toMatch(/smallest model/);
    expect(budgetTooSmallReason(1e12, model)).toBeUndefined();
  });

  it('shifts the window into the trainable range when the centre is too large', () => {
    const plan = planIsoFlopSweep(input({ budgets: [1e10], sizesPerBudget: 5 }, 1e9));
    expect(plan.runs.length).toBeGreaterThanOrEqual(3);
    for (const run of plan.runs) expect(run.tokens).toBeGreaterThanOrEqual(plannedShapeOf(run.shape).minimumTokens);
  });
});

describe('planAdaptiveRuns', () => {
  const finished = (runs: RunRecord[], loss: (log10N: number) => number): RunRecord[] =>
    runs.map((r) => ({
      ...r,
      state: RunState.Succeeded,
      outcome: { finalLoss: loss(Math.log10(r.paramsTotal!)), params: r.params, paramsTotal: r.paramsTotal } as RunRecord['outcome'],
    }));

  it('adds a run beyond the edge when the minimum is not bracketed', () => {
    const spec = { budgets: [1e12], sizesPerBudget: 5, adaptive: { enabled: true, maxRunsPerBudget: 9, targetRelativeInterval: 0.1 } };
    const plan = planIsoFlopSweep(input(spec));
    const runs = finished(plan.runs, (x) => 3 - 0.2 * x); // loss keeps falling with N: minimum above the range
    const added = planAdaptiveRuns(input(spec), runs);
    expect(added).toHaveLength(1);
    expect(added[0]!.paramsTotal).toBeGreaterThan(Math.max(...plan.runs.map((r) => r.paramsTotal!)));
  });

  it('adds runs near the vertex until the interval is small enough, and stops at the cap', () => {
    const spec = { budgets: [1e12], sizesPerBudget: 5, adaptive: { enabled: true, maxRunsPerBudget: 6, targetRelativeInterval: 1e-6 } };
    const plan = planIsoFlopSweep(input(spec));
    const centre = Math.log10(3e4);
    const wobble = [0.01, -0.01, 0.012, -0.008, 0.009];
    const runs = finished(plan.runs, (x) => 2 + 0.3 * (x - centre) ** 2).map((r, i) => ({
      ...r,
      outcome: { ...r.outcome!, finalLoss: r.outcome!.finalLoss! + wobble[i]! },
    }));
    const added = planAdaptiveRuns(input(spec), runs);
    expect(added).toHaveLength(1);
    expect(Math.abs(Math.log10(added[0]!.paramsTotal!) - centre)).toBeLessThan(0.3);
    const capped = planAdaptiveRuns(input(spec), [...runs, ...finished(added, () => 2)]);
    expect(capped).toHaveLength(0);
  });

  it('waits while the budget still has runs in flight', () => {
    const spec = { budgets: [1e12], adaptive: { enabled: true } };
    const plan = planIsoFlopSweep(input(spec));
    const runs = finished(plan.runs, (x) => 2 + (x - 4.5) ** 2);
    runs[0] = { ...runs[0]!, state: RunState.Running };
    expect(planAdaptiveRuns(input(spec), runs)).toHaveLength(0);
  });
});
