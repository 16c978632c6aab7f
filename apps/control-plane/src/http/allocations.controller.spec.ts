import { scalingLawSchema, type ObjectRef, type ScalingLaw } from '@scaleplan/contracts';
import { computeOptimalAllocation, type AllocationMapping } from '@scaleplan/scaling-laws';
import { describe, expect, it } from 'vitest';
import { ControlPlaneError } from '../control-plane.errors.js';
import type { ScalingLawFitState } from '../planning/fit-state.js';
import { createBudgetFlopsResolverFromLibrary, createPresetCatalog } from '../planning/scaling-laws.adapter.js';
import type { ResourceStore } from '../resources/resource-store.js';
import { AllocationsController, type AllocationResponse } from './allocations.controller.js';

// The REST allocation goes through the reconciler's decision code: these check what it adds (query parsing,
// 400s naming the field) and that it honours what the reconciler honours.

const NOW = '2026-01-01T00:00:00.000Z';
const law = { irreducibleLoss: 1.8172, paramCoeff: 482.01, dataCoeff: 2085.43, paramExponent: 0.3478, dataExponent: 0.3658 };
const study = (ready: boolean): ScalingLaw =>
  scalingLawSchema.parse({
    metadata: { name: 'study', namespace: 'default' },
    spec: { sweep: { budgets: [1e15] }, model: { sequenceLength: 128 } },
    status: {
      phase: ready ? 'Ready' : 'Running',
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          reason: ready ? 'FitConverged' : 'InsufficientEvidence',
          message: 'x',
          lastTransitionTime: NOW,
        },
      ],
    },
  });
const replicates: AllocationMapping[] = [0.35, 0.36, 0.365, 0.37, 0.38].map((beta) => ({
  kind: 'loss-law',
  law: { ...law, dataExponent: beta },
}));
const fit: ScalingLawFitState = {
  fittedAt: NOW,
  runIds: [],
  history: [],
  skipped: [],
  methods: [
    {
      summary: { method: 3, converged: true, fittedAt: NOW, runs: 20, a: 0.51, b: 0.49, warnings: [] },
      fitted: {
        source: { kind: 'fit', method: 3, runs: 20, fittedAt: NOW },
        mapping: { kind: 'loss-law', law },
        samples: replicates,
        percentiles: [10, 90],
        resamples: 5,
      },
    },
  ],
};

const controller = (ready = true): AllocationsController => {
  const laws = { get: async (ref: ObjectRef) => (ref.name === 'study' ? study(ready) : undefined) } as unknown as ResourceStore<ScalingLaw>;
  const fits = { get: async () => fit } as never;
  return new AllocationsController(laws, fits, createPresetCatalog(), createBudgetFlopsResolverFromLibrary());
};

type Query = Partial<
  Record<
    'flops' | 'acceleratorHours' | 'accelerator' | 'precision' | 'utilisation' | 'law' | 'method' | 'uniqueTokens' | 'inferenceTokens',
    string
  >
>;
const allocate = (query: Query, ready = true): Promise<AllocationResponse> =>
  controller(ready).allocate(
    query.flops,
    query.acceleratorHours,
    query.accelerator,
    query.precision,
    query.utilisation,
    query.law,
    query.method,
    query.uniqueTokens,
    query.inferenceTokens,
  );

describe('AllocationsController.allocate', () => {
  it('answers a preset with its published interval and says where it comes from', async () => {
    const out = await allocate({ flops: '1e24', law: 'epoch-2024' });
    expect(out.params).toBeCloseTo(computeOptimalAllocation(law, 1e24).params, -6);
    expect(out.paramsInterval![0]).toBeLessThan(out.params);
    expect(out.intervalKind).toBe('published');
    expect(out.intervals.params!.upper).toBeGreaterThan(out.params);
    expect(out.provisional).toBe(false);
  });

  it('answers a measured law with its bootstrap intervals, and marks it provisional while the law is not Ready', async () => {
    const trusted = await allocate({ flops: '1e20', law: 'default/study' });
    expect(trusted.intervalNote).toBe('bootstrap, 5/5 replicates, 10th–90th percentile');
    expect(trusted.provisional).toBe(false);
    expect(trusted.shape!.sequenceLength).toBe(128); // the law's model, not a hard-coded one
    const measuring = await allocate({ flops: '1e20', law: 'study' }, false);
    expect(measuring.provisional).toBe(true);
    expect(measuring.provisionalReason).toMatch(/ScalingLaw default\/study is not Ready \(InsufficientEvidence: x\)/);
  });

  it('honours uniqueTokens (eq. 5) and inferenceTokens like a budget does', async () => {
    const out = await allocate({ flops: '1e24', law: 'epoch-2024', uniqueTokens: '1e11', inferenceTokens: '1e13' });
    expect(Math.abs(out.params / 59.8e9 - 1)).toBeLessThan(0.03);
    expect(out.dataConstrained!.accountedFor).toBe(true);
    expect(out.warnings!.join(' ')).toMatch(/epochs/);
    expect(out.inference!.inferenceTokens).toBe(1e13);
    expect(out.inference!.saving).toBeGreaterThan(0);
  });

  it.each([
    [{ flops: '1e24', law: 'epoch-2024', uniqueTokens: '-1' }, 'uniqueTokens'],
    [{ flops: '1e24', law: 'epoch-2024', uniqueTokens: 'Infinity' }, 'uniqueTokens'],
    [{ flops: '1e24', law: 'epoch-2024', inferenceTokens: '-3' }, 'inferenceTokens'],
    [{ flops: '1e24', law: 'epoch-2024', inferenceTokens: 'NaN' }, 'inferenceTokens'],
    [{ flops: '1e24', law: 'chinchilla-2022-approach2', inferenceTokens: '1e12' }, 'inferenceTokens'],
    [{ flops: '-5', law: 'epoch-2024' }, 'flops'],
    [{ flops: '1e20', law: 'nope' }, 'law'],
    [{ flops: '1e20', law: 'study', method: '7' }, 'method'],
    // The admission contract's limits (libs/contracts admission-limits.ts), as for a ComputeBudget.
    [{ flops: '1e308', law: 'epoch-2024' }, 'flops'],
    [{ acceleratorHours: '1e308', accelerator: 'h100', law: 'epoch-2024' }, 'acceleratorHours'],
    [{ acceleratorHours: '1e11', accelerator: 'h100', law: 'epoch-2024' }, 'acceleratorHours'],
    [{ flops: '1e24', law: 'epoch-2024', uniqueTokens: '1e300' }, 'uniqueTokens'],
    [{ flops: '1e24', law: 'epoch-2024', inferenceTokens: '1e19' }, 'inferenceTokens'],
    [{ acceleratorHours: '5', accelerator: 'constructor', law: 'epoch-2024' }, 'accelerator'],
  ])('refuses %j with a 400 naming %s', async (query, field) => {
    const error = await allocate(query).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlPlaneError);
    expect((error as ControlPlaneError).code).toBe('Invalid');
    expect((error as ControlPlaneError).fields[0]?.field).toBe(field);
  });
});
