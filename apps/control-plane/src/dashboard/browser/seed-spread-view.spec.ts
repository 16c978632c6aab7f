import { describe, expect, it } from 'vitest';
import { seedSpreadText } from './seed-spread-view.js';

describe('seedSpreadText', () => {
  it('names the median, the worst size and how many sizes were replicated', () => {
    const text = seedSpreadText({
      sizes: 20,
      replicatedSizes: 10,
      medianRelativeStd: 0.0074,
      maxRelativeStd: 0.0277,
      worst: { budgetFlops: 5e10, params: 5326, seeds: 2, relativeStd: 0.0277 },
      target: 0.005,
      met: false,
    });
    expect(text).toMatch(/^Seed spread of final loss: median 0\.74%, worst 2\.77% \(N = 5\.33K at C = 5\.00e10, 2 seeds\)/);
    expect(text).toContain('over 10 of 20 sizes trained with two or more seeds; target < 0.5% at every size.');
  });
});
