import { describe, expect, it } from 'vitest';
import { replicateStats, summariseSeedSpread } from './seed-spread.js';

describe('seed spread', () => {
  it('gives the mean and the sample sd of replicates, and sd 0 for one seed', () => {
    expect(replicateStats([2, 2.02])).toEqual({ mean: 2.01, std: expect.closeTo(Math.SQRT2 * 0.01, 12) });
    expect(replicateStats([1.9])).toEqual({ mean: 1.9, std: 0 });
  });

  it('summarises the replicated points against the 0.5% target: median, worst, how many are over', () => {
    const points = [
      { id: 'a', seeds: 2, relativeStd: 0.007 },
      { id: 'b', seeds: 2, relativeStd: 0.001 },
      { id: 'c', seeds: 3, relativeStd: 0 },
      { id: 'd', seeds: 1, relativeStd: 0 },
    ];
    const summary = summariseSeedSpread(points)!;
    expect(summary.replicated.map((p) => p.id)).toEqual(['a', 'b', 'c']);
    expect(summary).toMatchObject({ median: 0.001, worst: { id: 'a' }, over: 1, met: false });
    expect(summariseSeedSpread(points.slice(1))!.met).toBe(true);
    expect(summariseSeedSpread([{ seeds: 1, relativeStd: 0 }])).toBeUndefined();
  });
});
