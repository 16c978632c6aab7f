import { computeBudgetSchema, RUNS_FINALIZER, RunState, scalingLawSchema, type ComputeBudget, type RunRecord, type ScalingLaw } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import type { StudyFitState } from '../planning/fit-state.js';
import type { PresetLaw } from '../planning/presets.js';
import { decideComputeBudget, finalRunId, type ObservedComputeBudget } from './compute-budget.reconciler.js';

const NOW = '2026-01-01T00:00:00.000Z';
const chinchilla: PresetLaw = {
  name: 'chinchilla-2022',
  method: 3,
  mapping: { form: 'loss', law: { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 } },
  a: 0.45,
  b: 0.55,
  source: 'test',
};
const budget = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): ComputeBudget =>
  computeBudgetSchema.parse({ metadata: { name: 'b', namespace: 'default', generation: 1, finalizers: [RUNS_FINALIZER], ...meta }, spec });
const study = (phase: 'Running' | 'Ready'): ScalingLaw =>
  scalingLawSchema.parse({ metadata: { name: 'study', namespace: 'default' }, spec: { sweep: { budgets: [1e11] } }, status: { phase } });
const fit: StudyFitState = {
  fittedAt: NOW,
  runIds: [],
  methods: [{ summary: { method: 3, converged: true, fittedAt: NOW, runs: 10, a: 0.45, b: 0.55, warnings: [] }, mapping: chinchilla.mapping, samples: [chinchilla.mapping] }],
  history: [],
  skipped: [],
};
const observe = (b: ComputeBudget, extra: Partial<ObservedComputeBudget> = {}): ObservedComputeBudget => ({
  budget: b,
  flops: b.spec.flops !== undefined ? { ok: true, flops: b.spec.flops } : { ok: false, reason: 'unknown accelerator' },
  now: NOW,
  ...extra,
});

describe('decideComputeBudget', () => {
  it('resolves a preset budget to the closed-form allocation', () => {
    const o = decideComputeBudget(observe(budget({ flops: 5.76e23, preset: 'chinchilla-2022' }), { preset: chinchilla }));
    expect(o.status.phase).toBe('Resolved');
    expect(o.status.allocation?.params).toBeGreaterThan(3e10);
    expect(o.status.allocation?.params).toBeLessThan(6e10);
    expect(o.status.allocation?.predictedLoss).toBeDefined();
    expect(o.startFinalRun).toBeUndefined();
  });

  it('rounds what kubectl get prints (tokens/param, predicted loss, FLOPs) and keeps N_opt and D_opt exact', () => {
    const flops = 5000 * 3600 * 989.4e12 * 0.4; // an accelerator-hours budget: 7.123680000000001e+21
    const o = decideComputeBudget({ ...observe(budget({ flops: 1e21, preset: 'chinchilla-2022' }), { preset: chinchilla }), flops: { ok: true, flops } });
    const allocation = o.status.allocation!;
    const significant = (value: number): number => value.toExponential().replace(/e.*$/, '').replace(/[-.]/g, '').length;
    expect(significant(allocation.tokensPerParam)).toBeLessThanOrEqual(4);
    expect(allocation.tokensPerParam).toBeCloseTo(allocation.tokens / allocation.params, 1);
    expect(significant(allocation.predictedLoss!)).toBeLessThanOrEqual(4);
    expect(o.status.flops).toBe(7.12368e21);
    expect(allocation.flops).toBe(flops); // exact: what the final run is sized from
    expect(Math.abs((6 * allocation.params * allocation.tokens) / flops - 1)).toBeLessThan(1e-12); // N, D unrounded
    expect(significant(allocation.params)).toBeGreaterThan(4);
  });

  it('allocates for repeated data when the unique tokens run short (loss laws), and says so', () => {
    const free = decideComputeBudget(observe(budget({ flops: 1e23, preset: 'chinchilla-2022' }), { preset: chinchilla })).status.allocation!;
    const uniqueTokens = free.tokens / 20;
    const o = decideComputeBudget(observe(budget({ flops: 1e23, preset: 'chinchilla-2022', uniqueTokens }), { preset: chinchilla }));
    const constrained = o.status.allocation!;
    expect(constrained.params).toBeGreaterThan(free.params);
    expect(constrained.tokens).toBeLessThan(free.tokens);
    expect(Math.abs((6 * constrained.params * constrained.tokens) / 1e23 - 1)).toBeLessThan(1e-12);
    expect(constrained.repetitionFactor).toBeGreaterThan(1);
    expect(o.status.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(/passes over the unique data, accounted for/);
  });

  it('warns that a power-law mapping cannot account for repeated data', () => {
    const powerLaw: PresetLaw = { ...chinchilla, name: 'chinchilla-2022-approach2', method: 2, mapping: { form: 'power', paramCoeff: 0.1449, a: 0.4899, tokenCoeff: 1.153, b: 0.51 } };
    const o = decideComputeBudget(observe(budget({ flops: 1e23, preset: 'chinchilla-2022-approach2', uniqueTokens: 1e10 }), { preset: powerLaw }));
    expect(o.status.allocation?.repetitionFactor).toBeGreaterThan(1);
    expect(o.status.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(/NOT accounted for/);
  });

  it('waits for the first fit of a measured law', () => {
    const o = decideComputeBudget(observe(budget({ flops: 1e21, scalingLaw: 'study' }), { law: study('Running') }));
    expect(o.status.phase).toBe('Pending');
    expect(o.status.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('AwaitingFit');
  });

  it('reports an unknown law as a condition, not an exception', () => {
    const o = decideComputeBudget(observe(budget({ flops: 1e21, scalingLaw: 'missing' })));
    expect(o.status.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('UnknownScalingLaw');
  });

  it('refuses a budget below the smallest model', () => {
    const o = decideComputeBudget(observe(budget({ flops: 10, preset: 'chinchilla-2022' }), { preset: chinchilla }));
    expect(o.status.phase).toBe('Degraded');
    expect(o.status.conditions?.find((c) => c.type === 'Degraded')?.reason).toBe('BudgetTooSmall');
  });

  it('re-resolves provisionally while the sweep runs and does not train yet', () => {
    const o = decideComputeBudget(observe(budget({ flops: 1e21, scalingLaw: 'study', train: true }), { law: study('Running'), lawFit: fit }));
    expect(o.status.phase).toBe('Resolved');
    expect(o.startFinalRun).toBeUndefined();
    expect(o.status.conditions?.find((c) => c.type === 'Ready')?.message).toMatch(/provisional/);
  });

  it('starts the final run once the law is Ready, with one id per generation', () => {
    const o = decideComputeBudget(observe(budget({ flops: 1e12, scalingLaw: 'study', train: true }), { law: study('Ready'), lawFit: fit }));
    expect(o.startFinalRun?.runId).toBe(finalRunId(1));
    expect(o.startFinalRun?.kind).toBe('final');
    expect(o.status.phase).toBe('Training');
  });

  it('compares the final loss with the prediction when the final run ends', () => {
    const b = budget({ flops: 1e12, scalingLaw: 'study', train: true });
    const first = decideComputeBudget(observe(b, { law: study('Ready'), lawFit: fit }));
    const run: RunRecord = { ...first.startFinalRun!, state: RunState.Succeeded, outcome: { finalLoss: 3.5 } as RunRecord['outcome'] };
    const o = decideComputeBudget(observe({ ...b, status: first.status }, { law: study('Ready'), lawFit: fit, finalRun: run }));
    expect(o.status.phase).toBe('Succeeded');
    expect(o.status.finalRun?.lossDelta).toBeCloseTo(3.5 - (first.status.allocation?.predictedLoss as number), 9);
    expect(o.status.allocation).toEqual(first.status.allocation);
  });
});
