import { describe, expect, it } from 'vitest';
import { loadSvgRuns, loadSvgRuns240 } from '../__tests__/chinchilla-svg-data.js';
import { EPOCH_2024 } from '../__tests__/published-laws.js';
import { computeOptimalAllocation, frontierExponents, predictLoss, type LossLaw } from '../loss-law.js';
import type { LossObservation } from '../observations.js';
import { syntheticIsoFlopSweep } from '../synthetic.js';
import { fitApproach3, startFromLossLaw } from './fit-approach3.js';
import { fitScalingLaw, fitScalingLawAsync } from './fit-scaling-law.js';

const epochA = frontierExponents(EPOCH_2024).a;
/** A well-designed sweep: 5 budgets × 7 sizes around N_opt, 0.5% noise. */
const goodSweep = syntheticIsoFlopSweep(EPOCH_2024, {
  budgets: [1e18, 3e18, 1e19, 3e19, 1e20],
  sizesPerBudget: 7,
  span: 16,
  noise: 0.005,
  seed: 7,
});

describe('fitScalingLaw', () => {
  const result = fitScalingLaw(goodSweep, { methods: [2, 3], resamples: 40, seed: 3, budgets: [1e21, 1e24] });

  it('fits, bootstraps and judges every requested method, and hands over a FittedMapping', () => {
    expect(result.primaryMethod).toBe(3);
    for (const m of result.methods) {
      expect(m.converged).toBe(true);
      expect(Math.abs(m.a! - epochA)).toBeLessThan(0.05);
      expect(m.intervals.a!.lower).toBeLessThan(m.intervals.a!.upper);
      expect(m.fitted!.source).toEqual({ kind: 'fit', method: m.method, runs: goodSweep.length });
      expect(m.fitted!.samples.length).toBe(m.bootstrap!.succeeded);
      expect(m.fitted!.percentiles).toEqual([10, 90]);
      expect(m.allocations.map((a) => a.flops)).toEqual([1e21, 1e24]);
      expect(m.allocations[1]!.intervals!.params.lower).toBeLessThan(m.allocations[1]!.params * 1.0001);
      expect(m.verdict.checks.map((c) => c.name)).toEqual(
        expect.arrayContaining([
          'converged',
          'enoughRuns',
          'exponentsPlausible',
          'minimumBracketed',
          'methodsAgree',
          'aIntervalWidth',
          'nOptIntervalWidth',
        ]),
      );
    }
    const primary = result.methods.find((m) => m.primary)!;
    expect(primary.verdict).toMatchObject({ trusted: true, reason: 'Trusted' });
    expect(primary.diagnostics.influence!.flagged).toEqual([]);
    expect(primary.diagnostics.budgets).toHaveLength(5);
    expect(primary.diagnostics.budgets.every((b) => b.bracketed && b.withinMargin)).toBe(true);
  });

  it('gives the same numbers synchronously and with pauses (the control plane path)', async () => {
    let pauses = 0;
    const asyncResult = await fitScalingLawAsync(
      goodSweep,
      { methods: [2, 3], resamples: 40, seed: 3, budgets: [1e21, 1e24] },
      { yieldEvery: 5, pause: async () => void pauses++ },
    );
    expect(pauses).toBeGreaterThan(10);
    expect(JSON.stringify(asyncResult)).toBe(JSON.stringify(result));
  });

  it('a warm start joins the full start grid: a refit never ends worse than a fresh full-grid fit', () => {
    // The service's old refits started from the previous optimum only; a previous answer with E collapsed
    // (E → 6e-14 on the demo) is a basin of its own, and a refit from it alone stays there.
    const runs = goodSweep.slice(0, 21);
    const collapsed: LossLaw = { irreducibleLoss: 6e-14, paramCoeff: 30, dataCoeff: 30, paramExponent: 0.08, dataExponent: 0.08 };
    const fresh = fitApproach3(runs);
    const warmOnly = fitApproach3(runs, { starts: [startFromLossLaw(collapsed)] });
    expect(warmOnly.objective).toBeGreaterThan(fresh.objective * 1.01);
    const refit = fitScalingLaw(runs, { methods: [3], resamples: 0, warmStart: collapsed, influence: false }).methods[0]!;
    expect(refit.objective!).toBeLessThanOrEqual(fresh.objective);
    expect(refit.a!).toBeCloseTo(fresh.frontier!.a, 6);
  });

  it('known answer: on all 245 Chinchilla points the 5 high-loss rows Epoch drops are flagged as influential', () => {
    const runs = loadSvgRuns();
    const topLoss = [...runs]
      .sort((p, q) => q.loss - p.loss)
      .slice(0, 5)
      .map((r) => r.runId);
    const primary = fitScalingLaw(runs, { methods: [3], resamples: 100, budgets: [1e24] }).methods[0]!;
    expect(primary.a!).toBeCloseTo(0.565, 2);
    expect(primary.allocations[0]!.params / 1e9).toBeCloseTo(162, -1);
    const influence = primary.diagnostics.influence!;
    expect(influence.outliers!.beyondInterval).toBe(true);
    expect(influence.outliers!.nOpt! / 1e9).toBeCloseTo(97, -1);
    expect([...influence.flagged].sort()).toEqual([...topLoss].sort());
    const check = primary.verdict.checks.find((c) => c.name === 'influentialRuns')!;
    expect(check).toMatchObject({ passed: false, severity: 'warning', value: 5 });
    expect(check.message).toMatch(/5 run\(s\) move the answer beyond its interval/);
    // Epoch's 240: no run moves the answer beyond its interval.
    const kept = fitScalingLaw(loadSvgRuns240(), { methods: [3], resamples: 100, budgets: [1e24] }).methods[0]!;
    expect(kept.diagnostics.influence!.flagged).toEqual([]);
  }, 180_000);
});

describe('trust verdict on bad evidence', () => {
  it('Approach 1 runs only on real training curves and otherwise refuses with the reason', () => {
    const m = fitScalingLaw(goodSweep, { methods: [1], resamples: 0 }).methods[0]!;
    expect(m.fit).toBeNull();
    expect(m.fitted).toBeNull();
    expect(m.refused).toMatchObject({ code: 'TooFewObservations', message: expect.stringMatching(/needs training curves/) });
    expect(m.verdict).toMatchObject({ trusted: false, reason: 'InsufficientEvidence' });
  });

  it('three runs: every method refuses, InsufficientEvidence', () => {
    const result = fitScalingLaw(goodSweep.slice(0, 3), { resamples: 0 });
    for (const m of result.methods) expect(m.verdict.reason).toBe('InsufficientEvidence');
    expect(result.methods.find((m) => m.method === 3)!.verdict.message).toMatch(/Approach 3 needs at least 6 runs, got 3/);
  });

  it('E collapsed to ~0: IllConditioned', () => {
    // A pure power law in N and D has no loss floor: the fit drives e → −∞ (the README's tiny sweep: E = 1.9e-13).
    const runs: LossObservation[] = [1e3, 2e3, 4e3, 8e3].flatMap((params) =>
      [1e6, 4e6, 1.6e7].map((tokens) => ({
        params,
        tokens,
        loss: 3 * params ** -0.05 + 2e4 * tokens ** -0.7,
        runId: `${params}-${tokens}`,
      })),
    );
    const m = fitScalingLaw(runs, { methods: [3], resamples: 0, influence: false }).methods[0]!;
    expect(m.diagnostics.irreducibleLoss!.collapsed).toBe(true);
    expect(m.verdict).toMatchObject({ trusted: false, reason: 'IllConditioned' });
    expect(m.verdict.checks.find((c) => c.name === 'irreducibleLossCollapsed')!.passed).toBe(false);
  });

  it('a sweep whose sizes all lie below the loss minimum: Approach 2 is MinimumNotBracketed', () => {
    const runs: LossObservation[] = [1e18, 1e19, 1e20].flatMap((flops) => {
      const nOpt = computeOptimalAllocation(EPOCH_2024, flops).params;
      return [0.02, 0.04, 0.08, 0.16, 0.3].map((f, k) => {
        const params = nOpt * f;
        const tokens = flops / (6 * params);
        return { params, tokens, loss: predictLoss(EPOCH_2024, params, tokens), budgetFlops: flops, runId: `${flops}-${k}` };
      });
    });
    const m = fitScalingLaw(runs, { methods: [2], resamples: 0 }).methods[0]!;
    expect(m.diagnostics.budgets.every((b) => !b.bracketed)).toBe(true);
    expect(m.verdict).toMatchObject({ trusted: false, reason: 'MinimumNotBracketed' });
  });

  it('refuses unknown methods naming the accepted ones', () => {
    expect(() => fitScalingLaw(goodSweep, { methods: [4 as 1] })).toThrow(/unknown method 4; known methods: 1, 2, 3/);
  });
});

describe('fitScalingLaw with a training-curves sweep (isoFlopBudgets)', () => {
  // Every size of the IsoFLOP sweep is also trained at C/16: those shorter runs share a budget, but their sizes
  // span ×8 around the optimum of C, which lies ~4× above the optimum of C/16: that profile's minimum is not bracketed.
  const budgets = [1e18, 3e18, 1e19, 3e19, 1e20];
  const longest = syntheticIsoFlopSweep(EPOCH_2024, { budgets, sizesPerBudget: 7, span: 8, noise: 0.005, seed: 7 });
  const shorter: LossObservation[] = longest.map((o) => ({
    ...o,
    runId: `${o.runId}-short`,
    tokens: o.tokens / 16,
    budgetFlops: o.budgetFlops! / 16,
    loss: predictLoss(EPOCH_2024, o.params, o.tokens / 16),
  }));
  const runs = [...longest, ...shorter];
  const options = { methods: [2, 3] as const, primaryMethod: 2 as const, resamples: 20, seed: 3, budgets: [1e21] };

  it('reads the shorter runs’ shared budgets as IsoFLOP profiles when not told which budgets are (MinimumNotBracketed)', () => {
    const approach2 = fitScalingLaw(runs, options).methods.find((m) => m.method === 2)!;
    expect(approach2.diagnostics.budgets.filter((b) => !b.bracketed).map((b) => b.flops)).toEqual(budgets.map((c) => c / 16));
    expect(approach2.verdict).toMatchObject({ trusted: false, reason: 'MinimumNotBracketed' });
  });

  it('fits Approach 2 on the IsoFLOP budgets only, while Approach 3 reads every run', () => {
    const result = fitScalingLaw(runs, { ...options, isoFlopBudgets: budgets });
    const approach2 = result.methods.find((m) => m.method === 2)!;
    const approach3 = result.methods.find((m) => m.method === 3)!;
    expect(approach2.runs).toBe(longest.length);
    expect(approach3.runs).toBe(runs.length);
    expect(approach2.diagnostics.budgets.map((b) => b.flops)).toEqual(budgets);
    expect(approach2.diagnostics.budgets.every((b) => b.bracketed)).toBe(true);
    expect(approach2.verdict.checks.find((c) => c.name === 'minimumBracketed')!.passed).toBe(true);
    expect(Math.abs(approach2.a! - epochA)).toBeLessThan(0.05);
  });
});
