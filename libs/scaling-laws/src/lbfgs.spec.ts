import { describe, expect, it } from 'vitest';
import { createLbfgsSolver, minimizeLbfgs, type ObjectiveWithGradient } from './lbfgs.js';

const rosenbrock: ObjectiveWithGradient = (x, g) => {
  const [a, b] = [x[0]!, x[1]!];
  g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
  g[1] = 200 * (b - a * a);
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
};

describe('minimizeLbfgs', () => {
  it('finds the Rosenbrock minimum (1, 1) to the gradient tolerance', () => {
    const result = minimizeLbfgs(rosenbrock, [-1.2, 1]);
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 8);
    expect(result.x[1]).toBeCloseTo(1, 8);
    expect(result.gradientNorm).toBeLessThan(1e-7);
  });

  it('solves an ill-conditioned quadratic (κ = 1e8) whose minimum value is tiny', () => {
    // f is ~1e-9 at the start: a test relative to |f| would stop at once (science.md §3).
    const scales = [1e-12, 1e-8, 1e-4];
    const f: ObjectiveWithGradient = (x, g) => {
      let value = 0;
      for (let i = 0; i < 3; i++) {
        g[i] = scales[i]! * (x[i]! - (i + 1));
        value += 0.5 * scales[i]! * (x[i]! - (i + 1)) ** 2;
      }
      return value;
    };
    const result = minimizeLbfgs(f, [0, 0, 0], { gradientTolerance: 1e-16 });
    expect(result.converged).toBe(true);
    expect(result.x[2]).toBeCloseTo(3, 6);
    expect(result.x[1]).toBeCloseTo(2, 6);
  });

  it('reports non-convergence as a result when the iteration cap is hit', () => {
    const result = minimizeLbfgs(rosenbrock, [-1.2, 1], { maxIterations: 3 });
    expect(result).toMatchObject({ converged: false, stop: 'maxIterations', iterations: 3 });
  });

  it('reuses its buffers across runs without leaking state', () => {
    const solver = createLbfgsSolver(2);
    const first = solver.minimize(rosenbrock, [-1.2, 1]);
    const second = solver.minimize(rosenbrock, [-1.2, 1]);
    expect(Array.from(second.x)).toEqual(Array.from(first.x));
    expect(second.iterations).toBe(first.iterations);
  });

  it('returns at once from a stationary start', () => {
    expect(minimizeLbfgs(rosenbrock, [1, 1])).toMatchObject({ iterations: 0, converged: true, stop: 'gradient' });
  });

  it('refuses bad options', () => {
    expect(() => createLbfgsSolver(2, { memory: 0 })).toThrow(/memory must be an integer ≥ 1/);
    expect(() => createLbfgsSolver(2, { armijo: 0.7 })).toThrow(/armijo/);
    expect(() => createLbfgsSolver(3).minimize(rosenbrock, [1, 1])).toThrow(/start has 2 values/);
  });
});
