import { describe, expect, it } from 'vitest';
import { frontierExponents, predictLoss, type LossLaw } from '../loss-law.js';
import { fitApproach1, smoothGaussian, type LossCurve } from './fit-approach1.js';

const epoch: LossLaw = { irreducibleLoss: 1.8172, paramCoeff: 482.01, dataCoeff: 2085.43, paramExponent: 0.3478, dataExponent: 0.3658 };

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

describe('fitApproach1', () => {
  it('recovers the frontier exponent of the law behind the curves', () => {
    const fit = fitApproach1(syntheticCurves(epoch), { smoothingWindow: 1 });
    expect(Math.abs(fit.mapping.paramExponent - frontierExponents(epoch).a)).toBeLessThan(0.03);
    expect(fit.mapping.paramExponent + fit.mapping.tokenExponent).toBeCloseTo(1, 10);
    expect(fit.envelope.length).toBeGreaterThan(500);
    expect(new Set(fit.envelope.map((e) => e.runId)).size).toBeGreaterThan(8);
  });

  it('smoothing leaves a straight line alone and damps alternating noise', () => {
    const line = Array.from({ length: 30 }, (_, i) => 3 - 0.01 * i);
    smoothGaussian(line, 10).slice(5, 25).forEach((v, i) => expect(v).toBeCloseTo(line[i + 5]!, 12));
    const zigzag = line.map((v, i) => v + (i % 2 ? 0.05 : -0.05));
    const smoothed = smoothGaussian(zigzag, 10);
    expect(Math.abs(smoothed[15]! - line[15]!)).toBeLessThan(0.01);
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
