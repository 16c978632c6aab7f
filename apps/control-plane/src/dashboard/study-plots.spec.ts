import type { RunRecord, ScalingLaw } from '@scaleplan/contracts';
import {
  computeOptimalAllocation,
  predictLoss,
  presetFittedMapping,
  type AllocationMapping,
  type FittedMapping,
  type LossLaw,
} from '@scaleplan/scaling-laws';
import { describe, expect, it } from 'vitest';
import type { ScalingLawFitState } from '../planning/fit-state.js';
import { buildContours, buildFrontier, buildProfiles, buildStudyPlots, buildTruth, mappingOfSummary } from './study-plots.js';

const law: LossLaw = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };
const owner = { namespace: 'default', name: 'study' };
const shape = { layers: 2, modelDim: 64, heads: 4, headDim: 16, ffDim: 256, vocabSize: 256, sequenceLength: 64 };

function run(
  budgetFlops: number,
  params: number,
  loss: number | undefined,
  state: RunRecord['state'] = 'succeeded',
  id = `${budgetFlops}-${params}`,
): RunRecord {
  const tokens = Math.round(budgetFlops / (6 * params));
  return {
    runId: id,
    owner,
    ownerKind: 'ScalingLaw',
    kind: 'sweep',
    budgetFlops,
    params,
    tokens,
    shape,
    seed: 0,
    state,
    attempts: 1,
    simulated: true,
    plannedAt: '2026-01-01T00:00:00Z',
    ...(loss === undefined
      ? {}
      : {
          outcome: {
            runId: id,
            status: 'completed',
            params,
            paramsTotal: params,
            tokens,
            flops: budgetFlops,
            finalLoss: loss,
            shape,
            curve: [],
            backend: 'simulated',
            simulated: true,
            wallSeconds: 1,
            tokensPerSecond: 1,
            repetitionFactor: 1,
          },
        }),
  };
}

/** Runs whose loss is an exact parabola in ln N with its minimum at N = 1e7 (loss 3.0). */
const parabolaRuns = (budgetFlops: number, sizes: number[]) =>
  sizes.map((n) => run(budgetFlops, n, 3 + 0.05 * (Math.log(n) - Math.log(1e7)) ** 2));

const study = (overrides: Partial<ScalingLaw['status']> = {}): ScalingLaw => ({
  apiVersion: 'scaleplan.dev/v1alpha1',
  kind: 'ScalingLaw',
  metadata: { name: 'study', namespace: 'default' },
  spec: {
    model: { family: 'decoder-transformer', tokenizer: 'byte', corpus: 'moby-dick', sequenceLength: 64 },
    sweep: { budgets: [1e15, 1e17], sizesPerBudget: 5, spanDecades: 1, seed: 0, simulate: { law, noise: 0, durationMs: 0 } },
    fit: { methods: [2, 3], primaryMethod: 3, bootstrap: 10, confidence: 0.8 },
    maxConcurrentRuns: 2,
    maxFailedRuns: 3,
    priority: 10,
  },
  status: { simulated: true, ...overrides },
});

describe('buildProfiles', () => {
  it('groups finished sweep runs by budget and finds the parabola minimum', () => {
    const runs = [
      ...parabolaRuns(1e15, [1e6, 3e6, 1e7, 3e7, 1e8]),
      ...parabolaRuns(1e16, [2e6, 1e7, 5e7]),
      run(1e16, 9e7, undefined, 'queued'),
      run(1e16, 8e7, undefined, 'failed'),
    ];
    const profiles = buildProfiles(runs);
    expect(profiles.map((p) => p.budgetFlops)).toEqual([1e15, 1e16]);
    expect(profiles.map((p) => p.points.length)).toEqual([5, 3]);
    for (const profile of profiles) {
      expect(profile.parabola?.bracketed).toBe(true);
      expect(profile.parabola?.minimum?.params).toBeCloseTo(1e7, -1);
      expect(profile.parabola?.minimum?.loss).toBeCloseTo(3, 9);
      // The drawn curve passes through every run (the data are an exact parabola).
      const { c0, c1, c2 } = profile.parabola!.coefficients;
      for (const p of profile.points) expect(c0 + c1 * Math.log(p.params) + c2 * Math.log(p.params) ** 2).toBeCloseTo(p.loss, 9);
    }
  });

  it('marks a minimum outside the sizes run as not bracketed, and skips budgets with fewer than 3 sizes', () => {
    const profiles = buildProfiles([...parabolaRuns(1e15, [1e8, 2e8, 4e8]), ...parabolaRuns(1e17, [1e6, 1e7])]);
    expect(profiles[0]?.parabola?.bracketed).toBe(false);
    expect(profiles[1]?.parabola).toBeUndefined();
    expect(profiles[1]?.points).toHaveLength(2);
  });
});

describe('buildFrontier', () => {
  const mapping: AllocationMapping = { kind: 'loss-law', law };
  const samples: AllocationMapping[] = [0.33, 0.335, 0.34, 0.345, 0.35].map((alpha) => ({
    kind: 'loss-law',
    law: { ...law, paramExponent: alpha },
  }));
  const fitted: FittedMapping = { source: { kind: 'fit', method: 3, runs: 10 }, mapping, samples, percentiles: [10, 90] };
  const unpublished: FittedMapping = { source: { kind: 'preset', name: 'epoch-2024' }, mapping, samples: [], percentiles: [10, 90] };
  const fit: ScalingLawFitState = {
    fittedAt: '2026-01-01T00:00:00Z',
    runIds: [],
    history: [],
    skipped: [],
    methods: [
      { summary: { method: 3, converged: true, fittedAt: '2026-01-01T00:00:00Z', runs: 10, a: 0.45, b: 0.55, warnings: [] }, fitted },
    ],
  };

  it('draws each fitted method with its bootstrap band and a preset without a published interval without one', () => {
    const frontier = buildFrontier({ study: study(), runs: [], fit, presets: [{ name: 'epoch-2024', fitted: unpublished }] }, []);
    const [fitted, preset] = frontier.lines;
    expect(fitted?.kind).toBe('fit');
    expect(preset).toMatchObject({ kind: 'preset', label: 'epoch-2024 (published)' });
    expect(frontier.confidence).toBe(0.8);
    for (const point of fitted!.points) {
      expect(point.params).toBeCloseTo(computeOptimalAllocation(law, point.flops).params, 3);
      expect(point.paramsLow!).toBeLessThanOrEqual(point.paramsHigh!);
    }
    expect(preset?.points.every((p) => p.paramsLow === undefined)).toBe(true);
    // The grid runs from a decade below the smallest budget to two above the largest.
    expect(fitted!.points[0]!.flops).toBeCloseTo(1e14, -10);
    expect(fitted!.points.at(-1)!.flops / 1e19).toBeCloseTo(1, 9);
  });

  it('draws a preset with its published interval as a band', () => {
    const frontier = buildFrontier(
      { study: study(), runs: [], presets: [{ name: 'epoch-2024', fitted: presetFittedMapping('epoch-2024') }] },
      [],
    );
    const preset = frontier.lines[0]!;
    for (const point of preset.points) expect(point.paramsLow!).toBeLessThan(point.paramsHigh!);
  });

  it('falls back to the status fits when no fit state is at hand', () => {
    const frontier = buildFrontier(
      {
        study: study({
          fits: [{ method: 2, converged: true, fittedAt: 'x', runs: 9, a: 0.5, b: 0.5, paramCoeff: 0.1, tokenCoeff: 1.6, warnings: [] }],
        }),
        runs: [],
      },
      [],
    );
    const fits = frontier.lines.filter((l) => l.kind === 'fit');
    expect(fits).toHaveLength(1);
    expect(fits[0]!.points[0]!.params).toBeCloseTo(0.1 * fits[0]!.points[0]!.flops ** 0.5, 6);
  });

  it('maps a fit summary to its allocation mapping', () => {
    expect(mappingOfSummary({ method: 3, converged: true, fittedAt: 'x', runs: 1, a: 0.45, b: 0.55, law, warnings: [] })).toEqual({
      kind: 'loss-law',
      law,
    });
    expect(mappingOfSummary({ method: 1, converged: true, fittedAt: 'x', runs: 1, a: 0.45, b: 0.55, warnings: [] })).toBeUndefined();
  });
});

describe('buildContours', () => {
  it('traces iso-loss curves whose left-most point lies on the efficient frontier', () => {
    const view = buildContours(law, 3, { study: study(), runs: [] });
    const levels = [...new Set(view.contours.map((p) => p.level))];
    expect(levels.length).toBeGreaterThanOrEqual(4);
    for (const level of levels) {
      const points = view.contours.filter((p) => p.level === level);
      for (const p of points) expect(predictLoss(law, p.params, p.flops / (6 * p.params))).toBeCloseTo(level, 6);
      const nose = points.reduce((a, b) => (b.flops < a.flops ? b : a));
      expect(nose.params).toBeCloseTo(computeOptimalAllocation(law, nose.flops).params, 0);
      expect(points.length).toBeGreaterThan(10);
    }
  });
});

describe('buildFrontier on a simulated study', () => {
  it('draws the true law as its own series, and each profile minimum with its ±1 s.e. interval', () => {
    const profiles = buildProfiles(parabolaRuns(1e15, [1e6, 3e6, 1e7, 3e7, 1e8]));
    const frontier = buildFrontier({ study: study(), runs: [] }, profiles);
    const truth = frontier.lines.find((l) => l.id === 'truth');
    expect(truth?.kind).toBe('truth');
    for (const p of truth!.points) expect(p.params / computeOptimalAllocation(law, p.flops).params).toBeCloseTo(1, 9);
    const [minimum] = frontier.minima;
    expect(minimum!.paramsLow).toBeLessThanOrEqual(minimum!.params);
    expect(minimum!.paramsHigh).toBeGreaterThanOrEqual(minimum!.params);
    // D = C/6N: the smaller N bound gives the larger D bound.
    expect(minimum!.tokensHigh).toBeCloseTo(1e15 / (6 * minimum!.paramsLow), 6);
    expect(minimum!.tokensLow).toBeCloseTo(1e15 / (6 * minimum!.paramsHigh), 6);
  });
});

describe('buildContours: branches reach the edges of the plot', () => {
  it('ends every contour branch on the right or top edge, never in mid-air, and labels each level at its nose', () => {
    const view = buildContours(law, 3, { study: study(), runs: [] });
    const [cLow, cHigh] = view.domain.flops;
    const nHigh = view.domain.params[1];
    for (const label of view.labels) {
      const points = view.contours.filter((p) => p.level === label.level);
      const ends = [points[0]!, points.at(-1)!];
      for (const end of ends) {
        const onRight = Math.abs(end.flops / cHigh - 1) < 1e-6;
        const onTop = Math.abs(end.params / nHigh - 1) < 1e-2;
        expect(onRight || onTop, `level ${label.level} ends at C=${end.flops}, N=${end.params}`).toBe(true);
      }
      expect(points.every((p) => p.flops >= cLow && p.flops <= cHigh * (1 + 1e-9))).toBe(true);
      expect(label.params).toBeCloseTo(computeOptimalAllocation(law, label.flops).params, 0);
      // Half a decade inside the left edge, so the label drawn left of the nose stays on the plot.
      expect(Math.log10(label.flops / cLow)).toBeGreaterThanOrEqual(0.5);
    }
  });
});

describe('buildTruth', () => {
  it('passes through noiseless simulated runs, each trained on its own tokens', () => {
    // Tokens below C/6N, as the exact shapes' FLOPs per token make them.
    const runs = [1e6, 3e6, 1e7, 3e7].map((n, i) => {
      const r = run(1e15, n, undefined);
      const tokens = Math.round(1e15 / ((6.2 + 0.1 * i) * n));
      return {
        ...r,
        tokens,
        state: 'succeeded' as const,
        outcome: { ...run(1e15, n, 1).outcome!, tokens, finalLoss: predictLoss(law, n, tokens) },
      };
    });
    const truth = buildTruth(law, buildProfiles(runs));
    const curve = truth.profiles[0]!.curve;
    for (const r of runs) {
      const x = Math.log(r.params);
      const i = curve.findIndex((p) => Math.log(p.params) >= x);
      const [a, b] = [curve[i - 1]!, curve[i]!];
      const t = (x - Math.log(a.params)) / (Math.log(b.params) - Math.log(a.params));
      expect((a.loss + t * (b.loss - a.loss)) / r.outcome.finalLoss).toBeCloseTo(1, 3);
    }
  });
});

describe('buildStudyPlots', () => {
  it('fixes the budget legend from the plan before any run finishes', () => {
    const plots = buildStudyPlots({ study: study(), runs: [] });
    expect(plots.budgets).toEqual([1e15, 1e17]);
    expect(plots.budgetRange).toEqual([1e15, 1e17]);
    expect(plots.truth?.law).toEqual(law);
  });

  it('adds contours only when a parametric fit exists and labels simulated studies', () => {
    const runs = parabolaRuns(1e15, [1e6, 3e6, 1e7]);
    expect(buildStudyPlots({ study: study(), runs }).contours).toBeUndefined();
    const withLaw = buildStudyPlots({
      study: study({ fits: [{ method: 3, converged: true, fittedAt: 'x', runs: 3, a: 0.45, b: 0.55, law, warnings: [] }] }),
      runs,
    });
    expect(withLaw.contours?.method).toBe(3);
    expect(withLaw.contours?.runs).toHaveLength(3);
    expect(withLaw.simulated).toBe(true);
  });
});
