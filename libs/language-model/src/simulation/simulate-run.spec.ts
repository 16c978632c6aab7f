import { describe, expect, it } from 'vitest';
import { solveShape, solveShapeForTotalParams } from '../shapes/shape-solver.js';
import { simulateRun } from './simulate-run.js';

const law = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };
const predict = (n: number, d: number) =>
  law.irreducibleLoss + law.paramCoeff * n ** -law.paramExponent + law.dataCoeff * d ** -law.dataExponent;

describe('simulateRun', () => {
  it('is labelled simulated, evaluates the law at the exact total N and falls towards L(N, D)', () => {
    const result = simulateRun({ runId: 'sim', params: 1e8, tokens: 2e9, seed: 1 }, { law, noise: 0 });
    expect(result.simulated).toBe(true);
    expect(result.backend).toBe('simulated');
    expect(Math.abs(result.params - 1e8) / 1e8).toBeLessThan(0.02);
    expect(result.paramsTotal).toBeGreaterThan(result.params);
    expect(result.finalLoss).toBeCloseTo(predict(result.paramsTotal, 2e9), 10);
    expect(result.curve.length).toBeLessThanOrEqual(8);
    const losses = result.curve.map((p) => p.evalLoss!);
    for (let i = 1; i < losses.length; i += 1) expect(losses[i]!).toBeLessThan(losses[i - 1]!);
    expect(result.curve.at(-1)!.tokens).toBe(2e9);
    expect(result.flops).toBe(result.curve.at(-1)!.flops);
    expect(result.flops).toBe(6 * result.paramsTotal * 2e9);
  });

  it('builds the planned shape when the run carries one, not a re-solve of its N', () => {
    // A total-parameter target whose shape re-solves to a neighbouring width from its own non-embedding N.
    const planned = solveShapeForTotalParams(5849);
    expect(solveShape(planned.params).shape).not.toEqual(planned.shape);
    const result = simulateRun({ runId: 'sim', params: planned.params, tokens: 1e6, shape: planned.shape }, { law, noise: 0 });
    expect(result.shape).toEqual(planned.shape);
    expect(result.paramsTotal).toBe(planned.paramsTotal);
    expect(() => simulateRun({ runId: 'sim', params: 1e6, tokens: 1e6, shape: planned.shape }, { law, noise: 0 })).toThrow(
      /does not match params 1000000/,
    );
  });

  it('follows the trajectory of a run whose LR schedule ends at D: above a matched run before the end', () => {
    const result = simulateRun({ runId: 'sim', params: 1e8, tokens: 2e9, seed: 1 }, { law, noise: 0 });
    const points = result.curve.slice(0, -1);
    expect(points.length).toBeGreaterThan(3);
    // L(N, t) is the loss of a run whose schedule ends at t; before its end, this run has not annealed yet.
    for (const p of points) expect(p.evalLoss!).toBeGreaterThan(predict(result.paramsTotal, p.tokens) * 1.01);
    expect(result.curve.at(-1)!.evalLoss).toBeCloseTo(predict(result.paramsTotal, 2e9), 10);
  });

  it('adds seeded noise: same seed, same curve; another seed, another curve', () => {
    const a = simulateRun({ runId: 'a', params: 1e6, tokens: 2e7, seed: 1 }, { law, noise: 0.01 });
    const b = simulateRun({ runId: 'b', params: 1e6, tokens: 2e7, seed: 1 }, { law, noise: 0.01 });
    const c = simulateRun({ runId: 'c', params: 1e6, tokens: 2e7, seed: 2 }, { law, noise: 0.01 });
    expect(a.curve).toEqual(b.curve);
    expect(a.finalLoss).not.toBe(c.finalLoss);
    expect(Math.abs(Math.log(a.finalLoss! / predict(a.paramsTotal, 2e7)))).toBeLessThan(0.05);
  });
});
