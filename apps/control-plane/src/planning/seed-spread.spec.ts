import { RunKind, RunState, type RunRecord } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { seedSpreadOf } from './seed-spread.js';

const run = (
  budgetFlops: number,
  paramsTotal: number,
  seed: number,
  finalLoss: number | undefined,
  state: RunState = RunState.Succeeded,
): RunRecord =>
  ({
    runId: `sweep-${budgetFlops}-${paramsTotal}-s${seed}`,
    kind: RunKind.Sweep,
    budgetFlops,
    params: paramsTotal - 2048,
    paramsTotal,
    tokens: budgetFlops / (6 * paramsTotal),
    seed,
    state,
    ...(finalLoss !== undefined ? { outcome: { finalLoss, params: paramsTotal - 2048 } } : {}),
  }) as RunRecord;

describe('seedSpreadOf', () => {
  it('is absent until a size has two succeeded seeds', () => {
    expect(seedSpreadOf([run(1e11, 1e4, 0, 2.1), run(1e11, 2e4, 0, 2.0), run(1e11, 1e4, 1, undefined, RunState.Running)])).toBeUndefined();
  });

  it('reports the sd ÷ mean per replicated size, the worst and the median, against the 0.5% target', () => {
    const spread = seedSpreadOf([
      run(1e11, 1e4, 0, 2.0),
      run(1e11, 1e4, 1, 2.02), // sd 0.01414 / 2.01 = 0.70%
      run(1e11, 2e4, 0, 1.9),
      run(1e11, 2e4, 1, 1.902), // 0.074%
      run(2e11, 2e4, 0, 1.8),
      run(2e11, 2e4, 1, 1.8),
      run(2e11, 2e4, 2, 1.8), // 0%
      run(2e11, 4e4, 0, 1.85),
      run(2e11, 4e4, 1, 9, RunState.Failed),
    ])!;
    expect(spread).toMatchObject({ sizes: 4, replicatedSizes: 3, target: 0.005, met: false });
    expect(spread.worst).toMatchObject({ budgetFlops: 1e11, params: 1e4, seeds: 2 });
    expect(spread.maxRelativeStd).toBeCloseTo((Math.SQRT2 * 0.01) / 2.01, 6);
    expect(spread.medianRelativeStd).toBeCloseTo((Math.SQRT2 * 0.001) / 1.901, 6);
  });

  it('meets the target when every replicated size is below 0.5%', () => {
    expect(seedSpreadOf([run(1e11, 1e4, 0, 2.0), run(1e11, 1e4, 1, 2.004)])!.met).toBe(true);
  });
});
