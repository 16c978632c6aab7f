import { describe, expect, it } from 'vitest';
import { loadSvgRuns240, needsSharedData, SVG_DATA_FILE } from '../__tests__/chinchilla-svg-data.js';
import { computeOptimalAllocation, predictLoss } from '../loss-law.js';
import { syntheticIsoFlopSweep } from '../synthetic.js';
import { groupByBudget } from './budget-grouping.js';
import { fitApproach2 } from './fit-approach2.js';
import { fitIsoFlopParabola } from './iso-flop-parabola.js';
import { EPOCH_2024 } from '../__tests__/published-laws.js';

const epoch = EPOCH_2024;

describe('fitIsoFlopParabola', () => {
  it('recovers an exact parabola in ln N, its vertex and a zero standard error', () => {
    const params = [1e8, 2e8, 4e8, 8e8, 1.6e9];
    const vertex = Math.log(3e8);
    const losses = params.map((n) => 2.5 + 0.04 * (Math.log(n) - vertex) ** 2);
    const p = fitIsoFlopParabola(1e19, params, losses);
    expect(p.minimumParams! / 3e8).toBeCloseTo(1, 10);
    expect(p.minimumLoss).toBeCloseTo(2.5, 10);
    expect(p.coefficients.c2).toBeCloseTo(0.04, 10);
    expect(p.minimumParamsStdError).toBeLessThan(1e-3 * 3e8);
    expect(p.bracketed).toBe(true);
    const x = Math.log(4e8);
    expect(p.coefficients.c0 + p.coefficients.c1 * x + p.coefficients.c2 * x * x).toBeCloseTo(losses[2]!, 8);
  });

  it('gives a delta-method standard error that grows with the noise, and none with exactly 3 sizes', () => {
    const params = [1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9];
    const bumps = [0.01, -0.01, 0.01, -0.01, 0.01, -0.01];
    const noisy = (scale: number) => params.map((n, i) => 2.5 + 0.04 * (Math.log(n) - Math.log(5e8)) ** 2 + scale * bumps[i]!);
    const small = fitIsoFlopParabola(1e19, params, noisy(0.1)).minimumParamsStdError!;
    const large = fitIsoFlopParabola(1e19, params, noisy(1)).minimumParamsStdError!;
    expect(large).toBeGreaterThan(5 * small);
    expect(fitIsoFlopParabola(1e19, params.slice(0, 3), noisy(1).slice(0, 3)).minimumParamsStdError).toBeNull();
  });

  it('flags a vertex outside the sampled sizes and a parabola without a minimum', () => {
    const params = [1e8, 2e8, 4e8, 8e8];
    const outside = fitIsoFlopParabola(
      1e19,
      params,
      params.map((n) => 2 + 0.05 * (Math.log(n) - Math.log(5e9)) ** 2),
    );
    expect(outside.bracketed).toBe(false);
    expect(outside.minimumParams! / 5e9).toBeCloseTo(1, 6);
    const hump = fitIsoFlopParabola(
      1e19,
      params,
      params.map((n) => 3 - 0.05 * (Math.log(n) - Math.log(2e8)) ** 2),
    );
    expect(hump.minimumParams).toBeNull();
  });
});

describe('fitApproach2', () => {
  it('gives a within 0.03 of 0.5175 on the 240 Chinchilla runs (budgets found by clustering)', needsSharedData(SVG_DATA_FILE), () => {
    const fit = fitApproach2(loadSvgRuns240());
    expect(Math.abs(fit.mapping.paramExponent - 0.5175)).toBeLessThan(0.03);
    expect(fit.mapping.paramExponent + fit.mapping.tokenExponent).toBeCloseTo(1, 10);
    expect(fit.parabolas.length).toBeGreaterThanOrEqual(9);
    expect(fit.warnings.some((w) => w.startsWith('skipped budget'))).toBe(true);
  });

  it('recovers the frontier of a noise-free synthetic sweep (grouped by budgetFlops)', () => {
    const sweep = syntheticIsoFlopSweep(epoch, { span: 4 });
    const fit = fitApproach2(sweep);
    expect(fit.parabolas).toHaveLength(9);
    expect(fit.parabolas.every((p) => p.bracketed)).toBe(true);
    // The parabola is only an approximation of the loss curve: a small bias, not an exact answer (science.md §4.8).
    expect(Math.abs(fit.mapping.paramExponent - 0.3658 / (0.3478 + 0.3658))).toBeLessThan(0.01);
    const truth = computeOptimalAllocation(epoch, 1e20).params;
    expect(Math.abs(fit.parabolas[4]!.minimumParams! / truth - 1)).toBeLessThan(0.05);
  });

  it('warns when a budget minimum lies outside the sampled sizes', () => {
    const inside = syntheticIsoFlopSweep(epoch, { span: 4, budgets: [1e19, 1e20] });
    const nOpt = computeOptimalAllocation(epoch, 3e21).params;
    const tooSmall = [0.02, 0.04, 0.08, 0.16].map((f) => {
      const params = nOpt * f;
      const tokens = 3e21 / (6 * params);
      return { params, tokens, loss: predictLoss(epoch, params, tokens), budgetFlops: 3e21 };
    });
    const fit = fitApproach2([...inside, ...tooSmall]);
    expect(fit.warnings.join('\n')).toMatch(/budget 3\.000e\+21 FLOPs: the minimum N = .* lies outside the sampled sizes/);
  });

  it('refuses a budget with fewer than 3 sizes, naming its rows', () => {
    const sweep = syntheticIsoFlopSweep(epoch, { budgets: [1e19, 1e20], sizesPerBudget: 4 });
    const broken = sweep.map((r, i) => (i < 4 ? { ...r, params: 1e8 + (i % 2) } : r));
    expect(() => fitApproach2(broken)).toThrow(
      expect.objectContaining({
        code: 'TooFewSizes',
        message: expect.stringMatching(
          /budget 1\.000e\+19 FLOPs has 2 distinct model size\(s\) \(row 0 \(run b0-n0\), row 1 .*row 3 .*\); a parabola needs at least 3/,
        ),
      }),
    );
  });

  it('refuses runs where only some carry budgetFlops', () => {
    const sweep = syntheticIsoFlopSweep(epoch, { budgets: [1e19, 1e20], sizesPerBudget: 4 });
    const { budgetFlops: _, ...bare } = sweep[5]!;
    expect(() => fitApproach2(sweep.map((r, i) => (i === 5 ? bare : r)))).toThrow(/row 5 has no budgetFlops while others do/);
  });

  it('clusters 6ND into budgets without chaining neighbours', () => {
    const runs = [1e19, 1.05e19, 0.95e19, 3e19, 3.1e19, 2.9e19].map((c, i) => ({
      params: 1e8 * (i + 1),
      tokens: c / (6e8 * (i + 1)),
      loss: 3,
    }));
    const groups = groupByBudget(runs);
    expect(groups.map((g) => g.rows)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(groups[0]!.flops).toBeCloseTo(1e19 * Math.cbrt(1.05 * 0.95), -14);
  });
});
