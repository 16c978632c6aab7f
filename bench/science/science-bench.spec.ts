/**
 * bench:science's plan, resume logic and verdicts, with SIMULATED training: runs get the loss of a known law
 * (no TensorFlow.js), so these tests say nothing about the real recipe — only that the benchmark plans,
 * stores, resumes and judges correctly.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeOptimalAllocation, predictLoss, type LossLaw } from '@scaleplan/scaling-laws';
import { executeRuns, RunStore, type FinishedRun, type TrainOne } from './run-store.js';
import { fitSweep, seedSpreadVerdict, sizePoints, verdicts } from './science-fit.js';
import { heldOutRuns, RunRole, sweepRuns, type PlannedRun, type SciencePlanOptions } from './science-plan.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'scaleplan-science-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const plan: SciencePlanOptions = {
  budgets: [1e11, 2e11, 4e11],
  sizesPerBudget: 5,
  spanFactor: 8,
  priorTokensPerParam: 20,
  sweepSeeds: [0, 1],
  sequenceLength: 64,
  vocabSize: 256,
};

/** A Chinchilla-shaped law (a = β/(α+β) = 0.5) in the range of the CPU sweeps. */
// No floor (E = 0): the compute frontier L*(C) = k·C^(−γ) that predicts the held-out loss is then exact, as the
// early-descent regime of the real sweeps is assumed to be (a law with a floor: libs/scaling-laws loss-frontier.spec).
const law: LossLaw = { irreducibleLoss: 0, paramCoeff: 40, dataCoeff: 90, paramExponent: 0.35, dataExponent: 0.35 };

/** Simulated training: the law's loss, plus a seed-dependent offset of ±`seedNoise` (no tfjs). */
const simulated = (seedNoise = 0): TrainOne & { calls: string[] } => {
  const calls: string[] = [];
  const train = async (run: PlannedRun): Promise<FinishedRun> => {
    calls.push(run.id);
    return {
      ...run,
      status: 'completed',
      finalLoss: predictLoss(law, run.params, run.tokens) + (run.seed % 2 === 0 ? seedNoise : -seedNoise),
      shape: run.shape,
      nonEmbeddingExact: run.nonEmbeddingParams,
      tokensPerSecond: 1,
      wallSeconds: 0,
      repetitionFactor: 0,
      simulated: true,
    };
  };
  return Object.assign(train, { calls });
};

describe('bench:science plan', () => {
  it('spends each budget exactly (C = 6·N·D with N total) with distinct, log-spaced sizes around the prior', () => {
    const runs = sweepRuns(plan);
    expect(runs).toHaveLength(3 * 5 * 2);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
    for (const run of runs) expect((6 * run.params * run.tokens) / run.budgetFlops).toBeCloseTo(1, 4);
    const sizes = [...new Set(runs.filter((r) => r.budgetFlops === 1e11).map((r) => r.params))];
    expect(sizes).toHaveLength(5);
    expect(sizes.at(-1)! / sizes[0]!).toBeGreaterThan(6);
    expect(sizes.at(-1)! / sizes[0]!).toBeLessThan(10);
  });

  it('plans the held-out check as N*, N*/2 and 2N* at the same FLOPs', () => {
    const runs = heldOutRuns(1.6e12, 1e5, [0, 1, 2], plan);
    expect(runs.map((r) => r.role)).toEqual([RunRole.Allocated, RunRole.Allocated, RunRole.Allocated, RunRole.Smaller, RunRole.Larger]);
    const [allocated, , , half, double] = runs as [PlannedRun, PlannedRun, PlannedRun, PlannedRun, PlannedRun];
    expect(half.params / allocated.params).toBeCloseTo(0.5, 1);
    expect(double.params / allocated.params).toBeCloseTo(2, 1);
    for (const run of runs) expect(6 * run.params * run.tokens).toBeCloseTo(1.6e12, -9);
  });

  it('adds the replicate seeds at the cheap budgets only', () => {
    const runs = sweepRuns({ ...plan, sweepSeeds: [0], replicateSeeds: { seeds: [1], upToFlops: 2e11 } });
    const seedsAt = (budget: number): number[] => [...new Set(runs.filter((r) => r.budgetFlops === budget).map((r) => r.seed))];
    expect(seedsAt(1e11)).toEqual([0, 1]);
    expect(seedsAt(2e11)).toEqual([0, 1]);
    expect(seedsAt(4e11)).toEqual([0]);
    expect(runs).toHaveLength(5 * 2 + 5 * 2 + 5);
  });

  it('starts a budget’s sizes just above the smallest trainable model when the prior puts them below it', () => {
    // At 3e10 with 100 tokens/param the centre is 7.1K total and the lower end of a ×8 span 2.5K: below the
    // smallest model (d_model 8: 5.2K total with the byte embedding).
    const runs = sweepRuns({ ...plan, budgets: [3e10], priorTokensPerParam: 100, sweepSeeds: [0] });
    const sizes = runs.map((r) => r.params);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(5224);
    expect(Math.max(...sizes)).toBeCloseTo(Math.sqrt(3e10 / 600) * Math.sqrt(8), -3);
    expect(new Set(sizes).size).toBe(5);
  });

  it('refuses fewer than three sizes per budget', () => {
    expect(() => sweepRuns({ ...plan, sizesPerBudget: 2 })).toThrow(/sizesPerBudget must be at least 3/);
  });
});

describe('bench:science resume (simulated training)', () => {
  it('stores each finished run, and a rerun after an interruption trains only the missing ones', async () => {
    const dir = tempDir();
    const runs = sweepRuns(plan);
    let allowed = 7;
    const interrupted: TrainOne = async (run) => {
      if (allowed <= 0) throw new Error('interrupted');
      allowed -= 1;
      return simulated()(run);
    };
    await expect(executeRuns(runs, new RunStore(dir), interrupted, { concurrency: 2 })).rejects.toThrow('interrupted');
    const stored = readdirSync(join(dir, 'runs')).filter((f) => f.endsWith('.json'));
    expect(stored).toHaveLength(7);

    const rerun = simulated();
    const resumedFlags: boolean[] = [];
    const results = await executeRuns(runs, new RunStore(dir), rerun, {
      concurrency: 2,
      onFinished: (_r, _d, _t, resumed) => void resumedFlags.push(resumed),
    });
    expect(rerun.calls).toHaveLength(runs.length - 7);
    expect(new Set(rerun.calls).size).toBe(runs.length - 7);
    expect(rerun.calls.some((id) => stored.includes(`${id}.json`))).toBe(false);
    expect(results.map((r) => r.id)).toEqual(runs.map((r) => r.id));
    expect(resumedFlags.filter(Boolean)).toHaveLength(7);

    const third = simulated();
    await executeRuns(runs, new RunStore(dir), third, { concurrency: 2 });
    expect(third.calls).toEqual([]);
  });

  it('keeps a stored value (the held-out allocation) across reruns', () => {
    const dir = tempDir();
    new RunStore(dir).writeValue('allocation', { flops: 1e12, params: 12345 });
    expect(new RunStore(dir).readValue('allocation')).toEqual({ flops: 1e12, params: 12345 });
    expect(new RunStore(dir).readValue('missing')).toBeUndefined();
  });
});

describe('bench:science fit and verdicts (simulated training)', () => {
  it('recovers the law’s allocation from noiseless simulated runs and passes every target', async () => {
    const store = new RunStore(tempDir());
    const sweep = await executeRuns(sweepRuns(plan), store, simulated(), { concurrency: 1 });
    const heldOutFlops = 4 * 4e11;
    const fit = fitSweep(sweep, heldOutFlops, 50);
    const truth = computeOptimalAllocation(law, heldOutFlops);
    expect(fit.heldOut.params / truth.params).toBeGreaterThan(0.8);
    expect(fit.heldOut.params / truth.params).toBeLessThan(1.25);
    expect(fit.approach2.parabolas.every((p) => p.bracketed)).toBe(true);
    const heldOut = await executeRuns(heldOutRuns(heldOutFlops, fit.heldOut.params, [0, 1], plan), store, simulated(), { concurrency: 1 });
    const checks = verdicts(fit, heldOut, sweep);
    expect(checks.map((c) => [c.name, c.pass])).toEqual([
      ['predicted loss within 1%', true],
      ['N/2 does not beat N* beyond seed noise', true],
      ['2N does not beat N* beyond seed noise', true],
      ['seed spread < 0.5% at every replicated sweep size', true],
      ['N_opt 80% interval at the top budget ≤ ×2', true],
    ]);
    expect(checks[0]!.detail).toMatch(
      /^frontier L\*\(C\) predicted \d\.\d{4} \[80%: [\d.]+, [\d.]+\], measured .*; Approach 3 predicted \d\.\d{4} \([+−]\d\.\d\d%\)$/,
    );
  });

  it('fails the seed-spread target when replicates differ by more than 0.5%, and says how many sizes were replicated', async () => {
    const store = new RunStore(tempDir());
    const sweep = await executeRuns(
      sweepRuns({ ...plan, sweepSeeds: [0], replicateSeeds: { seeds: [1], upToFlops: 1e11 } }),
      store,
      simulated(0.02),
      {
        concurrency: 1,
      },
    );
    const check = seedSpreadVerdict(sizePoints(sweep));
    expect(check.pass).toBe(false);
    expect(check.detail).toMatch(/^5 of 15 sizes replicated; 5 at or above 0\.5%/);
    expect(seedSpreadVerdict(sizePoints(sweep.filter((r) => r.seed === 0)))).toMatchObject({
      pass: false,
      detail: 'no sweep size has two seeds',
    });
  });

  it('flags a neighbour that beats the allocated model by more than the seed noise', async () => {
    const store = new RunStore(tempDir());
    const sweep = await executeRuns(sweepRuns(plan), store, simulated(), { concurrency: 1 });
    const fit = fitSweep(sweep, 1.6e12, 20);
    // Allocate 4× too large on purpose: N*/2 then beats it clearly, with a seed noise of 0.001.
    const heldOut = await executeRuns(heldOutRuns(1.6e12, 4 * fit.heldOut.params, [0, 1], plan), store, simulated(0.001), {
      concurrency: 1,
    });
    const half = verdicts(fit, heldOut).find((c) => c.name.startsWith('N/2'))!;
    expect(half.pass).toBe(false);
    expect(half.detail).toMatch(/seed σ 0\.0014/);
  });
});
