import { describe, expect, it } from 'vitest';
import { fitIsoFlopProfile } from './iso-flop-profile.js';

describe('fitIsoFlopProfile', () => {
  const parabola = (log10N: number) => 2 + 0.3 * (log10N - 4.5) ** 2;

  it('finds the vertex of an exact parabola with a small standard error', () => {
    const points = [3.5, 4, 4.5, 5, 5.5].map((x) => ({ params: 10 ** x, loss: parabola(x) }));
    const fit = fitIsoFlopProfile(points, 1e-6);
    expect(fit?.bracketed).toBe(true);
    expect(fit?.vertexLog10Params).toBeCloseTo(4.5, 6);
    expect(fit?.minLoss).toBeCloseTo(2, 6);
    expect(fit?.vertexStdErrDecades).toBeLessThan(1e-3);
  });

  it('reports a minimum outside the sizes run as not bracketed', () => {
    const points = [3, 3.25, 3.5, 3.75].map((x) => ({ params: 10 ** x, loss: parabola(x) }));
    expect(fitIsoFlopProfile(points)?.bracketed).toBe(false);
  });

  it('has a larger vertex error with noisier losses', () => {
    const noisy = [3.5, 4, 4.5, 5, 5.5].map((x, i) => ({ params: 10 ** x, loss: parabola(x) + (i % 2 ? 0.02 : -0.02) }));
    const clean = [3.5, 4, 4.5, 5, 5.5].map((x) => ({ params: 10 ** x, loss: parabola(x) }));
    expect(fitIsoFlopProfile(noisy, 1e-6)!.vertexStdErrDecades).toBeGreaterThan(fitIsoFlopProfile(clean, 1e-6)!.vertexStdErrDecades);
  });

  it('needs three points', () => {
    expect(
      fitIsoFlopProfile([
        { params: 1e4, loss: 2 },
        { params: 1e5, loss: 1.9 },
      ]),
    ).toBeUndefined();
  });
});
