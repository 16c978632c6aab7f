/**
 * `npm run bench:intervals`: how often Approach 2's 80% bootstrap interval of N_opt holds the true N_opt, for the
 * two resamplings (`resampling: 'runs' | 'residuals'`), on synthetic IsoFLOP sweeps of known laws: four budgets a
 * factor 2 apart, 5 or 9 sizes over 8×, log-normal loss noise. An honest interval holds the truth about 80% of
 * the time; it prints the coverage, the geometric-mean width and the share of replicates that could not be fitted.
 *
 * Options: --studies K (per cell, default 40)  --resamples R (default 200)
 */
import { bootstrapApproach2, computeOptimalAllocation, syntheticIsoFlopSweep, type LossLaw } from '@scaleplan/scaling-laws';

const LAWS: Record<string, LossLaw> = {
  // Besiroglu et al. 2024's refit of Chinchilla (a ≈ 0.51).
  'epoch-2024': { irreducibleLoss: 1.8172, paramCoeff: 482.01, dataCoeff: 2085.43, paramExponent: 0.3478, dataExponent: 0.3658 },
  // A data-hungry law (β > α: a ≈ 0.57).
  'data-hungry': { irreducibleLoss: 1.8, paramCoeff: 400, dataCoeff: 1500, paramExponent: 0.3, dataExponent: 0.4 },
};
const BUDGETS = [1e19, 2e19, 4e19, 8e19];
const LEVEL = 0.8;

const option = (args: readonly string[], name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  const value = at >= 0 ? Number(args[at + 1]) : fallback;
  if (!(Number.isInteger(value) && value > 1)) throw new Error(`--${name} must be an integer > 1, got ${args[at + 1]}`);
  return value;
};

interface Tally {
  covered: number;
  logWidth: number;
  /** studies whose interval had a non-finite end (counted as not covering) */
  broken: number;
  failedShare: number;
}

function main(args: readonly string[]): void {
  const studies = option(args, 'studies', 40);
  const resamples = option(args, 'resamples', 200);
  const top = BUDGETS.at(-1)!;
  console.log(
    `bench:intervals — coverage of Approach 2's ${100 * LEVEL}% interval of N_opt at ${top.toExponential(1)} FLOPs, ${studies} synthetic sweeps per row, ${resamples} resamples`,
  );
  console.log(
    'law          | sizes | noise | runs: coverage, geometric-mean width, replicates failed | residuals: coverage, width, replicates failed',
  );
  for (const [name, law] of Object.entries(LAWS))
    for (const sizesPerBudget of [5, 9])
      for (const noise of [0.005, 0.01]) {
        const truth = computeOptimalAllocation(law, top).params;
        const tallies = {
          runs: { covered: 0, logWidth: 0, broken: 0, failedShare: 0 },
          residuals: { covered: 0, logWidth: 0, broken: 0, failedShare: 0 },
        };
        for (let study = 0; study < studies; study++) {
          const sweep = syntheticIsoFlopSweep(law, { budgets: BUDGETS, sizesPerBudget, span: 8, noise, seed: 100 + study });
          for (const resampling of ['runs', 'residuals'] as const) {
            const result = bootstrapApproach2(sweep, { resamples, seed: 3, budgets: [top], resampling });
            const interval = result.allocations[0]!.params;
            const tally: Tally = tallies[resampling];
            const width = Math.log(interval.upper / interval.lower);
            if (!Number.isFinite(width)) tally.broken += 1;
            else tally.logWidth += width;
            if (interval.lower <= truth && truth <= interval.upper) tally.covered += 1;
            tally.failedShare += result.failed / result.resamples;
          }
        }
        const show = (t: Tally): string =>
          `${((100 * t.covered) / studies).toFixed(0)}%, ×${Math.exp(t.logWidth / (studies - t.broken)).toFixed(2)}${t.broken ? ` (${t.broken} without a finite interval)` : ''}, ${((100 * t.failedShare) / studies).toFixed(0)}%`;
        console.log(`${name.padEnd(12)} | ${sizesPerBudget}     | ${noise} | ${show(tallies.runs)} | ${show(tallies.residuals)}`);
      }
  console.log(
    `(an honest ${100 * LEVEL}% interval covers about ${100 * LEVEL}%; with ${studies} sweeps a row's coverage is ±${Math.round(100 * Math.sqrt((LEVEL * (1 - LEVEL)) / studies))} points)`,
  );
}

main(process.argv.slice(2));
