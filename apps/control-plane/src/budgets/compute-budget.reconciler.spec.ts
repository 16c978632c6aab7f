import {
  computeBudgetSchema,
  RUNS_FINALIZER,
  RunState,
  scalingLawSchema,
  type ComputeBudget,
  type RunRecord,
  type ScalingLaw,
} from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import type { ScalingLawFitState } from '../planning/fit-state.js';
import type { PresetLaw } from '../planning/presets.js';
import { countParameters } from '@scaleplan/language-model/shapes';
import { presetFittedMapping } from '@scaleplan/scaling-laws';
import { decideComputeBudget, finalRunId, type ObservedComputeBudget } from './compute-budget.reconciler.js';

const NOW = '2026-01-01T00:00:00.000Z';
const chinchillaLaw = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };
const chinchilla: PresetLaw = {
  name: 'chinchilla-2022',
  method: 3,
  fitted: {
    source: { kind: 'preset', name: 'chinchilla-2022' },
    mapping: { kind: 'loss-law', law: chinchillaLaw },
    samples: [],
    percentiles: [10, 90],
  },
  a: 0.45,
  b: 0.55,
  source: 'test',
};
const budget = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): ComputeBudget =>
  computeBudgetSchema.parse({ metadata: { name: 'b', namespace: 'default', generation: 1, finalizers: [RUNS_FINALIZER], ...meta }, spec });
/** A measured law in a phase, with the Ready condition its reconciler would set (True only once its verdict passed). */
const study = (
  phase: 'Running' | 'Ready' | 'Degraded',
  ready?: { status: 'True' | 'False'; reason: string; message: string },
): ScalingLaw =>
  scalingLawSchema.parse({
    metadata: { name: 'study', namespace: 'default' },
    spec: { sweep: { budgets: [1e11] } },
    status: {
      phase,
      conditions: [
        {
          type: 'Ready',
          lastTransitionTime: NOW,
          ...(ready ??
            (phase === 'Ready'
              ? { status: 'True', reason: 'FitConverged', message: 'trusted' }
              : { status: 'False', reason: 'SweepRunning', message: '3/12 runs finished' })),
        },
      ],
    },
  });
/** Bootstrap replicates that move α around the point estimate. */
const replicates = [0.33, 0.335, 0.34, 0.345, 0.35].map((alpha) => ({
  kind: 'loss-law' as const,
  law: { ...chinchillaLaw, paramExponent: alpha },
}));
const fit: ScalingLawFitState = {
  fittedAt: NOW,
  runIds: [],
  methods: [
    {
      summary: { method: 3, converged: true, fittedAt: NOW, runs: 10, a: 0.45, b: 0.55, warnings: [] },
      fitted: {
        source: { kind: 'fit', method: 3, runs: 10, fittedAt: NOW },
        mapping: chinchilla.fitted.mapping,
        samples: replicates,
        percentiles: [10, 90],
        resamples: 6,
      },
    },
  ],
  history: [],
  skipped: [],
};
const observe = (b: ComputeBudget, extra: Partial<ObservedComputeBudget> = {}): ObservedComputeBudget => ({
  budget: b,
  flops: b.spec.flops !== undefined ? { ok: true, flops: b.spec.flops } : { ok: false, reason: 'unknown accelerator' },
  now: NOW,
  ...extra,
});
const ready = (o: { status: { conditions?: { type: string; status: string; reason: string; message: string }[] } }) =>
  o.status.conditions?.find((c) => c.type === 'Ready');
const degradedCondition = (o: { status: { conditions?: { type: string; status: string; reason: string }[] } }) =>
  o.status.conditions?.find((c) => c.type === 'Degraded');

describe('decideComputeBudget', () => {
  it('resolves a preset budget to the closed-form allocation', () => {
    const o = decideComputeBudget(observe(budget({ flops: 5.76e23, preset: 'chinchilla-2022' }), { preset: chinchilla }));
    expect(o.status.phase).toBe('Resolved');
    expect(o.status.allocation?.params).toBeGreaterThan(3e10);
    expect(o.status.allocation?.params).toBeLessThan(6e10);
    expect(o.status.allocation?.predictedLoss).toBeDefined();
    expect(o.status.allocation?.provisional).toBe(false);
    expect(o.startFinalRun).toBeUndefined();
  });

  it('rounds what kubectl get prints (tokens/param, predicted loss, FLOPs) and keeps N_opt and D_opt exact', () => {
    const flops = 5000 * 3600 * 989.4e12 * 0.4; // an accelerator-hours budget: 7.123680000000001e+21
    const o = decideComputeBudget({
      ...observe(budget({ flops: 1e21, preset: 'chinchilla-2022' }), { preset: chinchilla }),
      flops: { ok: true, flops },
    });
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

  describe('intervals and where they come from', () => {
    it.each([
      {
        name: 'a measured law: bootstrap percentiles of its replicates',
        observed: () => observe(budget({ flops: 1e21, scalingLaw: 'study' }), { law: study('Ready'), lawFit: fit }),
        kind: 'bootstrap',
        note: /bootstrap, 5\/6 replicates, 10th–90th percentile/,
      },
      {
        name: 'a preset with a published interval (Besiroglu et al. 2024 SEs)',
        observed: () =>
          observe(budget({ flops: 1e24, preset: 'epoch-2024' }), {
            preset: { ...chinchilla, name: 'epoch-2024', fitted: presetFittedMapping('epoch-2024') },
          }),
        kind: 'published',
        note: /published interval: Besiroglu et al\. 2024/,
      },
      {
        name: 'a preset without one says so',
        observed: () => observe(budget({ flops: 1e21, preset: 'chinchilla-2022' }), { preset: chinchilla }),
        kind: 'none',
        note: /no published interval/,
      },
    ])('$name', ({ observed, kind, note }) => {
      const allocation = decideComputeBudget(observed()).status.allocation!;
      expect(allocation.intervalKind).toBe(kind);
      expect(allocation.intervalNote).toMatch(note);
      if (kind === 'none') {
        expect(allocation.paramsInterval).toBeUndefined();
        expect(allocation.paramsColumn).toBe(allocation.paramsDisplay);
      } else {
        const [low, high] = allocation.paramsInterval!;
        expect(low).toBeLessThan(allocation.params);
        expect(high).toBeGreaterThan(allocation.params);
        expect(allocation.paramsColumn).toMatch(/^\d[\d.]*[KMBT] \[\d[\d.]*[KMBT]–\d[\d.]*[KMBT]\]$/); // the N_opt printer column
        expect(allocation.tokensColumn).toMatch(/\[/);
      }
    });
  });

  it('allocates for repeated data by eq. 5 when the unique tokens run short (loss laws), and says so', () => {
    const free = decideComputeBudget(observe(budget({ flops: 1e23, preset: 'chinchilla-2022' }), { preset: chinchilla })).status
      .allocation!;
    const uniqueTokens = free.tokens / 20;
    const o = decideComputeBudget(observe(budget({ flops: 1e23, preset: 'chinchilla-2022', uniqueTokens }), { preset: chinchilla }));
    const constrained = o.status.allocation!;
    // With the excess-parameter term (R*_N) the optimum trains a smaller model for more epochs, not a larger one.
    expect(constrained.params).toBeLessThan(free.params);
    expect(Math.abs((6 * constrained.params * constrained.tokens) / 1e23 - 1)).toBeLessThan(1e-12);
    expect(constrained.dataConstrained).toMatchObject({ uniqueTokens, accountedFor: true, unconstrainedParams: free.params });
    expect(constrained.repetitionFactor).toBeGreaterThan(4);
    expect(ready(o)?.message).toMatch(/passes over the unique data, accounted for/);
    expect(constrained.warnings?.join(' ')).toMatch(/epochs/);
    expect(ready(o)?.message).toMatch(/warning: .*epochs/);
  });

  it('warns that a power-law mapping cannot account for repeated data', () => {
    const powerLaw: PresetLaw = {
      ...chinchilla,
      name: 'chinchilla-2022-approach2',
      method: 2,
      fitted: {
        source: { kind: 'preset', name: 'chinchilla-2022-approach2' },
        mapping: { kind: 'power-law', powerLaw: { paramCoeff: 0.1449, paramExponent: 0.4899, tokenCoeff: 1.153, tokenExponent: 0.51 } },
        samples: [],
        percentiles: [10, 90],
      },
    };
    const o = decideComputeBudget(
      observe(budget({ flops: 1e23, preset: 'chinchilla-2022-approach2', uniqueTokens: 1e10 }), { preset: powerLaw }),
    );
    expect(o.status.allocation?.repetitionFactor).toBeGreaterThan(1);
    expect(o.status.allocation?.dataConstrained?.accountedFor).toBe(false);
    expect(ready(o)?.message).toMatch(/NOT accounted for/);
    const inference = decideComputeBudget(
      observe(budget({ flops: 1e23, preset: 'chinchilla-2022-approach2', inference: { tokens: 1e13 } }), { preset: powerLaw }),
    );
    expect(inference.status.phase).toBe('Degraded');
    expect(ready(inference)).toMatchObject({ status: 'False', reason: 'InvalidBudget' });
    expect(ready(inference)?.message).toMatch(/needs a loss law/);
  });

  it('adds the inference-aware allocation for spec.inference.tokens: a smaller model, the FLOP split and the saving', () => {
    const o = decideComputeBudget(
      observe(budget({ flops: 1e23, preset: 'chinchilla-2022', inference: { tokens: 1e14 } }), { preset: chinchilla }),
    );
    const allocation = o.status.allocation!;
    const inference = allocation.inference!;
    expect(inference.params).toBeLessThan(allocation.params);
    expect(inference.tokensPerParam).toBeGreaterThan(allocation.tokensPerParam);
    expect(inference.inferenceFlops).toBeCloseTo(2 * inference.params * 1e14, -10);
    expect(inference.totalFlops).toBeLessThan(inference.trainingOnlyTotalFlops);
    expect(inference.saving).toBeGreaterThan(0);
    expect(ready(o)?.message).toMatch(/inference tokens train N=/);
  });

  it('waits for the first fit of a measured law', () => {
    const o = decideComputeBudget(observe(budget({ flops: 1e21, scalingLaw: 'study' }), { law: study('Running') }));
    expect(o.status.phase).toBe('Pending');
    expect(ready(o)?.reason).toBe('AwaitingFit');
  });

  it('reports an unknown law as a condition, not an exception', () => {
    const o = decideComputeBudget(observe(budget({ flops: 1e21, scalingLaw: 'missing' })));
    expect(ready(o)?.reason).toBe('UnknownScalingLaw');
  });

  it('clears the allocation when its law is deleted (no stale N_opt/D_opt columns)', () => {
    const b = budget({ flops: 1e21, scalingLaw: 'study' });
    const resolved = decideComputeBudget(observe(b, { law: study('Ready'), lawFit: fit }));
    expect(resolved.status.allocation).toBeDefined();
    const afterDelete = decideComputeBudget(observe({ ...b, status: resolved.status }));
    expect(afterDelete.status.allocation).toBeUndefined();
    expect(afterDelete.status.phase).toBe('Pending');
    expect(ready(afterDelete)).toMatchObject({ status: 'False', reason: 'UnknownScalingLaw' });
  });

  it('refuses a budget below the smallest model', () => {
    const o = decideComputeBudget(observe(budget({ flops: 10, preset: 'chinchilla-2022' }), { preset: chinchilla }));
    expect(o.status.phase).toBe('Degraded');
    expect(degradedCondition(o)?.reason).toBe('BudgetTooSmall');
  });

  describe('trust: Ready only on a trusted law or a preset', () => {
    it.each([
      {
        name: 'a law still measuring: provisional, Ready=False LawMeasuring, Pending, not Degraded',
        law: () => study('Running', { status: 'False', reason: 'InsufficientEvidence', message: 'N_opt interval ±60% at 1e21' }),
        phase: 'Pending',
        reason: 'LawMeasuring',
        degraded: 'False',
      },
      {
        name: 'a law that stopped without passing its verdict: provisional, Ready=False LawNotTrusted, Degraded',
        law: () => study('Degraded', { status: 'False', reason: 'MethodsDisagree', message: 'approaches 2 and 3 do not overlap' }),
        phase: 'Degraded',
        reason: 'LawNotTrusted',
        degraded: 'True',
      },
      {
        name: 'a law whose phase says Ready but whose Ready condition is not True',
        law: () => study('Ready', { status: 'False', reason: 'IllConditioned', message: 'E collapsed to 1e-13' }),
        phase: 'Pending',
        reason: 'LawMeasuring',
        degraded: 'False',
      },
    ])('$name', ({ law, phase, reason, degraded }) => {
      const o = decideComputeBudget(observe(budget({ flops: 1e21, scalingLaw: 'study', train: true }), { law: law(), lawFit: fit }));
      expect(o.status.phase).toBe(phase);
      expect(o.status.allocation?.provisional).toBe(true);
      expect(o.status.allocation?.params).toBeGreaterThan(0);
      expect(ready(o)).toMatchObject({ status: 'False', reason });
      expect(ready(o)?.message).toMatch(
        new RegExp(`provisional: ScalingLaw default/study is not Ready \\(${law().status!.conditions![0]!.reason}: `),
      );
      expect(degradedCondition(o)?.status).toBe(degraded);
      expect(o.startFinalRun).toBeUndefined();
      // The reason as data (the dashboard shows it), not to be parsed back out of the condition message.
      expect(ready(o)?.message.endsWith(`provisional: ${o.status.allocation!.provisionalReason}`)).toBe(true);
    });

    it('a trusted law: Ready=True, not provisional', () => {
      const o = decideComputeBudget(observe(budget({ flops: 1e21, scalingLaw: 'study' }), { law: study('Ready'), lawFit: fit }));
      expect(o.status.phase).toBe('Resolved');
      expect(o.status.allocation?.provisional).toBe(false);
      expect(o.status.allocation?.provisionalReason).toBeUndefined();
      expect(ready(o)).toMatchObject({ status: 'True', reason: 'AllocationResolved' });
    });
    it('a trusted law whose N_opt interval at this budget is too wide: provisional, Ready=False IntervalTooWide, Degraded, no final run', () => {
      // Replicates spread α widely: the law's verdict (checked at the budgets it knew) passed, but far out the
      // interval at a budget created after the last refit is wider than the verdict's limit.
      const wide = [0.3, 0.32, 0.34, 0.36, 0.38].map((alpha) => ({
        kind: 'loss-law' as const,
        law: { ...chinchillaLaw, paramExponent: alpha },
      }));
      const method = fit.methods[0]!;
      const wideFit: ScalingLawFitState = { ...fit, methods: [{ ...method, fitted: { ...method.fitted, samples: wide } }] };
      const o = decideComputeBudget(
        observe(budget({ flops: 1e25, scalingLaw: 'study', train: true }), { law: study('Ready'), lawFit: wideFit }),
      );
      const interval = o.status.allocation?.paramsInterval;
      expect(interval![1] / interval![0]).toBeGreaterThan(4);
      expect(o.status.allocation?.provisional).toBe(true);
      expect(ready(o)).toMatchObject({ status: 'False', reason: 'IntervalTooWide' });
      expect(ready(o)?.message).toMatch(/N_opt's interval at this budget spans [\d.]+× \(at most 4×\)/);
      expect(degradedCondition(o)).toMatchObject({ status: 'True', reason: 'IntervalTooWide' });
      expect(o.status.phase).toBe('Degraded');
      expect(o.startFinalRun).toBeUndefined();
      // The same law at a budget where its interval is narrow enough is Ready.
      const near = decideComputeBudget(observe(budget({ flops: 1e12, scalingLaw: 'study' }), { law: study('Ready'), lawFit: wideFit }));
      const nearInterval = near.status.allocation!.paramsInterval!;
      expect(nearInterval[1] / nearInterval[0]).toBeLessThanOrEqual(4);
      expect(ready(near)).toMatchObject({ status: 'True' });
    });
  });

  it('starts the final run once the law is Ready, with one id per generation', () => {
    const o = decideComputeBudget(observe(budget({ flops: 1e12, scalingLaw: 'study', train: true }), { law: study('Ready'), lawFit: fit }));
    expect(o.startFinalRun?.runId).toBe(finalRunId(1));
    expect(o.startFinalRun?.kind).toBe('final');
    expect(o.status.phase).toBe('Training');
  });

  it('sizes the final run by total parameters: the shape nearest N_opt, and D = C / (6·N_total)', () => {
    const o = decideComputeBudget(observe(budget({ flops: 1e12, scalingLaw: 'study', train: true }), { law: study('Ready'), lawFit: fit }));
    const run = o.startFinalRun!;
    const nOpt = o.status.allocation!.params;
    expect(run.paramsTotal).toBe(countParameters(run.shape).total);
    expect(run.params).toBe(countParameters(run.shape).nonEmbedding);
    expect(Math.abs(run.paramsTotal! / nOpt - 1)).toBeLessThanOrEqual(0.02);
    expect(run.tokens).toBe(Math.floor(1e12 / (6 * run.paramsTotal!)));
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
