import { describe, expect, it } from 'vitest';
import { frontierExponents, predictLoss, type LossLaw } from '../loss-law.js';
import { fitApproach1, smoothGaussian, type LossCurve } from './fit-approach1.js';
import { EPOCH_2024 } from '../__tests__/published-laws.js';

const epoch = EPOCH_2024;
const chinchilla: LossLaw = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };

/** Loss curves of fixed-N runs read off a known law: 16 sizes 1e7…3e9, each to 400 tokens/param. */
function syntheticCurves(law: LossLaw): LossCurve[] {
  return Array.from({ length: 16 }, (_, k) => {
    const params = 1e7 * 300 ** (k / 15);
    const points = Array.from({ length: 80 }, (_, j) => {
      const tokens = params * 400 ** (j / 79);
      return { tokens, loss: predictLoss(law, params, tokens) };
    });
    return { runId: `n${k}`, params, points };
  });
}

/**
 * Each of 12 sizes 1e7…1e9 trained to 8 lengths spanning 16× (10…160 tokens/param), each length a run
 * with its own cosine schedule and curve (with 12 sizes, 4 lengths leave too few run ends between sizes).
 */
function multiLengthCurves(law: LossLaw): LossCurve[] {
  return Array.from({ length: 12 }, (_, k) => 1e7 * 100 ** (k / 11)).flatMap((params, k) =>
    Array.from({ length: 8 }, (_, j) => 10 * 16 ** (j / 7)).map((perParam, j) => ({
      runId: `n${k}-l${j}`,
      params,
      points: scheduleCurve(law, params, perParam * params),
    })),
  );
}

/** A run's curve along a cosine schedule that ends at `total` tokens: L(N, t) + 20% of the data term × decay still ahead. */
function scheduleCurve(law: LossLaw, params: number, total: number): LossCurve['points'] {
  return Array.from({ length: 100 }, (_, j) => {
    const tokens = (total * (j + 1)) / 100;
    const ahead = 0.5 * (1 + Math.cos((Math.PI * tokens) / total));
    return { tokens, loss: predictLoss(law, params, tokens) + 0.2 * ahead * law.dataCoeff * tokens ** -law.dataExponent };
  });
}

describe('fitApproach1', () => {
  it('known answer: several sizes × several training lengths give a = β/(α+β)', () => {
    for (const law of [epoch, chinchilla]) {
      const fit = fitApproach1(multiLengthCurves(law));
      expect(Math.abs(fit.mapping.paramExponent - frontierExponents(law).a)).toBeLessThan(0.02);
      expect(fit.converged).toBe(true);
    }
  });

  it('sparse log-spaced curves are not smoothed across decades of tokens (a simulated run has 8 points)', () => {
    const curves = syntheticCurves(epoch).map((c) => ({ ...c, points: c.points.filter((_, j) => j % 11 === 0 || j === 79) }));
    const fit = fitApproach1(curves);
    expect(Math.abs(fit.mapping.paramExponent - frontierExponents(epoch).a)).toBeLessThan(0.03);
  });

  it('an IsoFLOP-only sweep (one schedule per size) is reported as not converged, with the reason', () => {
    // 7 sizes per budget, each trained once to its budget: between budgets only mid-schedule points exist.
    const curves = [1e17, 1e18, 1e19].flatMap((budget) =>
      Array.from({ length: 7 }, (_, k) => 1e7 * 30 ** (k / 6) * Math.sqrt(budget / 1e17)).map((params, k) => ({
        runId: `c${budget}-${k}`,
        params,
        points: scheduleCurve(epoch, params, budget / (6 * params)),
      })),
    );
    const fit = fitApproach1(curves);
    expect(fit.converged).toBe(false);
    expect(fit.warnings.join(' ')).toMatch(
      /before the last 15% of its run.*several closely spaced lengths.*IsoFLOP-only sweep.*not reported as converged/,
    );
  });

  it('recovers the frontier exponent of the law behind the curves', () => {
    const fit = fitApproach1(syntheticCurves(epoch), { smoothingWindow: 1 });
    expect(Math.abs(fit.mapping.paramExponent - frontierExponents(epoch).a)).toBeLessThan(0.03);
    expect(fit.mapping.paramExponent + fit.mapping.tokenExponent).toBeCloseTo(1, 10);
    expect(fit.envelope.length).toBeGreaterThan(500);
    expect(new Set(fit.envelope.map((e) => e.runId)).size).toBeGreaterThan(8);
  });

  it('smoothing leaves a straight line alone and damps alternating noise', () => {
    const line = Array.from({ length: 30 }, (_, i) => 3 - 0.01 * i);
    smoothGaussian(line, 10)
      .slice(5, 25)
      .forEach((v, i) => expect(v).toBeCloseTo(line[i + 5]!, 12));
    const zigzag = line.map((v, i) => v + (i % 2 ? 0.05 : -0.05));
    const smoothed = smoothGaussian(zigzag, 10);
    expect(Math.abs(smoothed[15]! - line[15]!)).toBeLessThan(0.01);
  });

  it('refuses data without training curves, with the reason', () => {
    expect(() => fitApproach1([])).toThrow(
      expect.objectContaining({ code: 'TooFewObservations', message: expect.stringMatching(/needs training curves.*final losses only/) }),
    );
  });

  it('refuses curves that cannot make an envelope', () => {
    const curves = syntheticCurves(epoch);
    expect(() => fitApproach1([curves[0]!, { ...curves[0]!, runId: 'again' }])).toThrow(expect.objectContaining({ code: 'TooFewSizes' }));
    expect(() => fitApproach1([{ ...curves[0]!, points: curves[0]!.points.slice(0, 1) }, curves[1]!])).toThrow(
      /curve 0 \(run n0\): needs at least 2 \(tokens, loss\) points, got 1/,
    );
    const bad = { ...curves[1]!, points: curves[1]!.points.map((p, j) => (j === 4 ? { ...p, loss: Number.NaN } : p)) };
    expect(() => fitApproach1([curves[0]!, bad])).toThrow(/row 1 \(run n1\): point 4 loss must be a finite number > 0, got NaN/);
  });
});
