import { describe, expect, it } from 'vitest';
import { achievedHalfWidth, decideNextRuns, predictionVariance, type AdaptiveInput, type SweepPoint } from './adaptive-precision.js';
import { simulateAdaptive, type SimulatedStudy } from './adaptive-simulation.js';

const target = { atFlops: 1e14, relativeHalfWidth: 0.25, level: 0.8 };

/** Runs of one budget at the given log10 sizes; loss from `loss(log10N)` (undefined = still running). */
const budget = (budgetFlops: number, logs: readonly number[], loss?: (x: number) => number): SweepPoint[] =>
  logs.map((x) => ({ budgetFlops, params: 10 ** x, costFlops: budgetFlops, ...(loss ? { loss: loss(x) } : {}) }));

/** A parabola with its minimum at `vertex` (log10 N). */
const bowl = (vertex: number) => (x: number) => 2 + 0.2 * (x - vertex) ** 2;

const input = (points: SweepPoint[], extra: Partial<AdaptiveInput> = {}): AdaptiveInput => ({
  target,
  points,
  newBudgetSizes: 5,
  spanDecades: 1,
  feasible: () => [2, 8],
  centre: (flops) => Math.log10(flops) / 2 - 1,
  ...extra,
});

const twoBracketed = [...budget(1e11, [4, 4.25, 4.5, 4.75, 5], bowl(4.5)), ...budget(4e11, [4.3, 4.55, 4.8, 5.05, 5.3], bowl(4.8))];
const narrow = { nOpt: 1e6, lower: 0.9e6, upper: 1.1e6 };
const wide = { nOpt: 1e6, lower: 0.5e6, upper: 1.8e6 };

describe('decideNextRuns', () => {
  const table: { name: string; input: AdaptiveInput; kind: string; why?: string; reason: RegExp }[] = [
    {
      name: 'runs in flight',
      input: input([...twoBracketed, ...budget(4e11, [5.5])], { estimate: wide }),
      kind: 'wait',
      reason: /1 runs in flight/,
    },
    { name: 'no fit yet', input: input(twoBracketed), kind: 'wait', reason: /waiting for a fit/ },
    { name: 'within the target', input: input(twoBracketed, { estimate: narrow }), kind: 'met', reason: /within the target ±25%/ },
    {
      name: 'minimum above the sizes run',
      input: input([...budget(1e11, [4, 4.25, 4.5, 4.75, 5], bowl(6)), ...budget(4e11, [4.3, 4.55, 4.8, 5.05, 5.3], bowl(4.8))], {
        estimate: narrow,
      }),
      kind: 'run',
      why: 'bracket',
      reason: /not bracketed/,
    },
    { name: 'interval too wide', input: input(twoBracketed, { estimate: wide }), kind: 'run', reason: /target ±25%: (refine|add)/ },
    {
      name: 'next step past maxFlops',
      input: input(twoBracketed, { estimate: wide, maxFlops: 2.6e12 }),
      kind: 'capped',
      reason: /only 1\.00e\+11 of maxFlops 2\.60e\+12 are left.*needs roughly/,
    },
  ];
  it.each(table)('$name → $kind', ({ input: given, kind, why, reason }) => {
    const decision = decideNextRuns(given);
    expect(decision.kind).toBe(kind);
    expect(decision.reason).toMatch(reason);
    if (why) expect(decision.kind === 'run' && decision.requests.every((r) => r.why === why)).toBe(true);
  });

  it('adds a larger budget when a current fit gives no estimate, and gives up when none is left', () => {
    const oneBudget = budget(1e11, [4, 4.25, 4.5, 4.75, 5], bowl(4.5));
    const grow = decideNextRuns(input(oneBudget, { noEstimateReason: 'Approach 2 needs two bracketed minima' }));
    expect(grow.kind).toBe('run');
    expect(grow.kind === 'run' && grow.requests.map((r) => [r.why, r.budgetFlops])).toEqual(
      Array.from({ length: 5 }, () => ['new-budget', 4e11]),
    );
    expect(grow.reason).toMatch(/no N_opt interval .*Approach 2 needs two bracketed minima.*add the budget 4\.00e\+11/);
    const atTarget = decideNextRuns(input(budget(1e14, [5, 5.5, 6, 6.5, 7], bowl(6)), { noEstimateReason: 'no converged fit' }));
    expect(atTarget).toMatchObject({ kind: 'capped', reason: expect.stringMatching(/no larger budget is left to add/) });
  });

  it('extends an unbracketed profile on the side of its lower loss, within the trainable range', () => {
    const above = decideNextRuns(input(budget(1e11, [4, 4.25, 4.5, 4.75, 5], bowl(6))));
    expect(above.kind === 'run' && above.requests.map((r) => r.log10Params)).toEqual([5.5]);
    const below = decideNextRuns(input(budget(1e11, [4, 4.25, 4.5, 4.75, 5], bowl(3.7))));
    expect(below.kind === 'run' && below.requests[0]!.log10Params).toBeCloseTo(3.7, 5);
    const blocked = decideNextRuns(input(budget(1e11, [4, 4.25, 4.5, 4.75, 5], bowl(6)), { feasible: () => [4, 5] }));
    expect(blocked.kind).toBe('wait');
  });

  it('refines on both flanks of the vertex, or adds a larger budget when that buys more precision per FLOP', () => {
    const decision = decideNextRuns(input(twoBracketed, { estimate: wide }));
    expect(decision.kind).toBe('run');
    if (decision.kind !== 'run') return;
    const byWhy = new Set(decision.requests.map((r) => r.why));
    expect(byWhy.size).toBe(1);
    if (byWhy.has('densify')) {
      expect(decision.requests).toHaveLength(2);
      const [left, right] = decision.requests.map((r) => r.log10Params);
      expect(right! - left!).toBeCloseTo(1, 5);
    } else {
      expect(decision.requests).toHaveLength(5);
      expect(decision.requests[0]!.budgetFlops).toBeCloseTo(1.6e12, -8);
    }
  });

  it('counts finished and in-flight FLOPs against maxFlops and says what the next step costs', () => {
    const decision = decideNextRuns(input(twoBracketed, { estimate: wide, maxFlops: 2.6e12 }));
    expect(decision.kind).toBe('capped');
    if (decision.kind !== 'capped') return;
    expect(decision.nextStepFlops).toBeGreaterThan(1e11);
    expect(decision.estimatedMoreFlops).toBeGreaterThan(0);
  });
});

describe('predictionVariance', () => {
  it('grows with the distance of the extrapolation and shrinks with more precise vertices', () => {
    const vertices = [
      { x: 11, variance: 0.01 },
      { x: 12, variance: 0.01 },
    ];
    expect(predictionVariance(vertices, 14)).toBeGreaterThan(predictionVariance(vertices, 12.5));
    expect(
      predictionVariance(
        vertices.map((v) => ({ ...v, variance: 0.001 })),
        14,
      ),
    ).toBeLessThan(predictionVariance(vertices, 14));
    expect(predictionVariance(vertices.slice(0, 1), 14)).toBe(Number.POSITIVE_INFINITY);
  });

  it('achievedHalfWidth is the farther interval end', () => {
    expect(achievedHalfWidth({ nOpt: 100, lower: 90, upper: 130 })).toBeCloseTo(0.3, 10);
    expect(achievedHalfWidth({ nOpt: 100, lower: 60, upper: 110 })).toBeCloseTo(0.4, 10);
  });
});

describe('adaptive stop rule on simulated laws', () => {
  const chinchilla = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };
  const study: SimulatedStudy = {
    law: chinchilla,
    noise: 0.005,
    seed: 1,
    ladder: [1e18, 4e18, 1.6e19, 6.4e19, 2.56e20],
    target: { atFlops: 4e21, relativeHalfWidth: 0.25, level: 0.8 },
    priorOffsetDecades: 0.2,
    resamples: 100,
  };

  it('adds runs until the N_opt interval meets the target, then stops', () => {
    const outcome = simulateAdaptive(study);
    expect(outcome.met).toBe(true);
    expect(outcome.decisions.at(-1)).toMatch(/^met: /);
    expect(outcome.decisions.slice(0, -1).every((d) => d.startsWith('run: ') || d.startsWith('wait: '))).toBe(true);
    expect(achievedHalfWidth(outcome.estimate!)).toBeLessThanOrEqual(0.25);
    expect(outcome.runs).toBeGreaterThan(10);
  });

  it('stops at maxFlops without meeting a tighter target, and never spends past the cap', () => {
    const maxFlops = 1e20;
    const outcome = simulateAdaptive({ ...study, target: { ...study.target, relativeHalfWidth: 0.02 }, maxFlops });
    expect(outcome.met).toBe(false);
    expect(outcome.decisions.at(-1)).toMatch(/^capped: .*maxFlops 1\.00e\+20/);
    expect(outcome.flops).toBeLessThanOrEqual(maxFlops);
  });
});
