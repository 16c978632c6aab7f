import { describe, expect, it } from 'vitest';
import { computeOptimalAllocation, frontierExponents } from '../loss-law.js';
import { createRandom } from '../random.js';
import { syntheticIsoFlopSweep } from '../synthetic.js';
import { EPOCH_2024 } from '../__tests__/published-laws.js';
import { bootstrapApproach2 } from './bootstrap.js';
import { fitApproach2 } from './fit-approach2.js';
import { residualResampler } from './residual-resampling.js';

// A CPU-sized design: 4 budgets a factor 2 apart, 5 sizes each over 8× (bench:science's shape), 0.5% noise.
const budgets = [1e19, 2e19, 4e19, 8e19];
const sweep = syntheticIsoFlopSweep(EPOCH_2024, { budgets, sizesPerBudget: 5, span: 8, noise: 0.005, seed: 7 });
const trueA = frontierExponents(EPOCH_2024).a;

describe('residualResampler', () => {
  it('keeps every run’s N, D and budget and moves only the losses', () => {
    const replicate = residualResampler(sweep, fitApproach2(sweep).parabolas)(createRandom(1));
    expect(replicate.map(({ params, tokens, budgetFlops }) => ({ params, tokens, budgetFlops }))).toEqual(
      sweep.map(({ params, tokens, budgetFlops }) => ({ params, tokens, budgetFlops })),
    );
    expect(replicate.some((o, i) => o.loss !== sweep[i]!.loss)).toBe(true);
    for (const [i, o] of replicate.entries()) expect(Math.abs(o.loss / sweep[i]!.loss - 1)).toBeLessThan(0.1);
  });

  it('needs more runs than the parabolas’ 3 coefficients per budget to measure the noise', () => {
    const three = syntheticIsoFlopSweep(EPOCH_2024, { budgets, sizesPerBudget: 3, noise: 0.01 });
    expect(() => residualResampler(three, fitApproach2(three).parabolas)).toThrow(
      /needs more runs than 3 per budget to measure the noise: 12 runs in 4 budgets/,
    );
  });
});

describe('bootstrapApproach2 with residual resampling', () => {
  const byRuns = bootstrapApproach2(sweep, { resamples: 200, seed: 3, budgets: [8e19] });
  const byResiduals = bootstrapApproach2(sweep, { resamples: 200, seed: 3, budgets: [8e19], resampling: 'residuals' });

  it('fits every replicate of a five-size sweep, where resampling runs loses many', () => {
    expect(byResiduals.failed).toBe(0);
    expect(byRuns.failed).toBeGreaterThan(50);
  });

  it('gives an interval around the full-data fit that holds the true exponent and N_opt here, narrower than by runs', () => {
    const a = byResiduals.intervals['a']!;
    expect(a.lower).toBeLessThan(byResiduals.fit.mapping.paramExponent);
    expect(a.upper).toBeGreaterThan(byResiduals.fit.mapping.paramExponent);
    expect(a.lower).toBeLessThan(trueA);
    expect(a.upper).toBeGreaterThan(trueA);
    const truth = computeOptimalAllocation(EPOCH_2024, 8e19).params;
    expect(byResiduals.allocations[0]!.params.lower).toBeLessThan(truth);
    expect(byResiduals.allocations[0]!.params.upper).toBeGreaterThan(truth);
    const width = (b: typeof byRuns): number => b.allocations[0]!.params.upper / b.allocations[0]!.params.lower;
    expect(width(byResiduals)).toBeLessThan(width(byRuns));
  });

  it('refuses an unknown resampling', () => {
    expect(() => bootstrapApproach2(sweep, { resampling: 'cases' as never })).toThrow(
      /resampling must be 'runs' or 'residuals', got cases/,
    );
  });
});

describe('bootstrapApproach2 residual resampling without residual freedom', () => {
  it('falls back to resampling runs and says so', () => {
    const three = syntheticIsoFlopSweep(EPOCH_2024, { budgets, sizesPerBudget: 3, noise: 0.01 });
    const result = bootstrapApproach2(three, { resamples: 20, seed: 1, resampling: 'residuals' });
    expect(result.warnings.at(-1)).toMatch(
      /needs more runs than 3 per budget to measure the noise: 12 runs in 4 budgets; resampled runs instead$/,
    );
  });
});
