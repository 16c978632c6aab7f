import { describe, expect, it } from 'vitest';
import { simulateRun } from './simulate-run.js';

const law = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };
const predict = (n: number, d: number) =>
  law.irreducibleLoss + law.paramCoeff * n ** -law.paramExponent + law.dataCoeff * d ** -law.dataExponent;

describe('simulateRun', () => {
  it('is labelled simulated, uses the exact shape counts and falls towards L(N, D)', () => {
    const result = simulateRun({ runId: 'sim', params: 1e8, tokens: 2e9, seed: 1 }, { law, noise: 0 });
    expect(result.simulated).toBe(true);
    expect(result.backend).toBe('simulated');
    expect(Math.abs(result.params - 1e8) / 1e8).toBeLessThan(0.02);
    expect(result.finalLoss).toBeCloseTo(predict(result.params, 2e9), 10);
    expect(result.curve.length).toBeLessThanOrEqual(8);
    const losses = result.curve.map((p) => p.evalLoss!);
    for (let i = 1; i < losses.length; i += 1) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    expect(result.curve.at(-1)!.tokens).toBe(2e9);
    expect(result.flops).toBe(result.curve.at(-1)!.flops);
  });

  it('follows the trajectory of a run whose LR schedule ends at D: above a matched run before the end', () => {
    const result = simulateRun({ runId: 'sim', params: 1e8, tokens: 2e9, seed: 1 }, { law, noise: 0 });
    const points = result.curve.slice(0, -1);
    expect(points.length).toBeGreaterThan(3);
    // L(N, t) is the loss of a run whose schedule ends at t; before its end, this run has not annealed yet.
    for (const p of points) expect(p.evalLoss!).toBeGreaterThan(predict(result.params, p.tokens) * 1.01);
    expect(result.curve.at(-1)!.evalLoss).toBeCloseTo(predict(result.params, 2e9), 10);
  });

  it('adds seeded noise: same seed, same curve; another seed, another curve', () => {
    const a = simulateRun({ runId: 'a', params: 1e6, tokens: 2e7, seed: 1 }, { law, noise: 0.01 });
    const b = simulateRun({ runId: 'b', params: 1e6, tokens: 2e7, seed: 1 }, { law, noise: 0.01 });
    const c = simulateRun({ runId: 'c', params: 1e6, tokens: 2e7, seed: 2 }, { law, noise: 0.01 });
    expect(a.curve).toEqual(b.curve);
    expect(a.finalLoss).not.toBe(c.finalLoss);
    expect(Math.abs(Math.log(a.finalLoss! / predict(a.params, 2e7)))).toBeLessThan(0.05);
  });
});
