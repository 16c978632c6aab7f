// `npm run bench:adaptive`: training FLOPs an adaptive sweep (spec.sweep.target, the control plane's
// `decideNextRuns`) spends to pin N_opt at a target budget to a given precision, against a fixed
// Chinchilla-style grid of 9 sizes per budget, on simulated hidden laws (several, seeded). Both designs
// are judged by the same estimate (Approach-2 bootstrap interval). Target: adaptive ≤ 50% of the grid.
// Options: --seeds K (per law, default 3), --half-width X (default 0.25), --noise σ (default 0.005), --resamples K.
import { simulateAdaptive, simulateFixedGrid, type SimulatedStudy } from '../../apps/control-plane/src/planning/adaptive-simulation.js';

interface Args {
  seeds: number;
  halfWidth: number;
  noise: number;
  resamples: number;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seeds: 3, halfWidth: 0.25, noise: 0.005, resamples: 200 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[++i]);
    if (flag === '--seeds' && Number.isInteger(value) && value > 0) args.seeds = value;
    else if (flag === '--half-width' && value > 0) args.halfWidth = value;
    else if (flag === '--noise' && value >= 0) args.noise = value;
    else if (flag === '--resamples' && Number.isInteger(value) && value > 1) args.resamples = value;
    else
      throw new Error(`bad option ${flag} ${argv[i] ?? ''}; known: --seeds K, --half-width X (> 0), --noise σ (≥ 0), --resamples K (> 1)`);
  }
  return args;
}

/** Hidden laws: Chinchilla's fit (Hoffmann et al. 2022) and variations of its exponents and constant. */
const LAWS = [
  { name: 'chinchilla', law: { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 } },
  { name: 'a≈0.5', law: { irreducibleLoss: 1.82, paramCoeff: 482.0, dataCoeff: 2085.4, paramExponent: 0.3478, dataExponent: 0.3658 } },
  { name: 'data-hungry', law: { irreducibleLoss: 1.9, paramCoeff: 300, dataCoeff: 900, paramExponent: 0.3, dataExponent: 0.38 } },
  { name: 'param-hungry', law: { irreducibleLoss: 1.6, paramCoeff: 700, dataCoeff: 300, paramExponent: 0.4, dataExponent: 0.3 } },
];

/** Budgets ×4 apart (like Chinchilla's), N_opt asked at 4× the largest. */
const LADDER = [1e18, 4e18, 1.6e19, 6.4e19, 2.56e20, 1.024e21];

const sci = (x: number): string => x.toExponential(2);

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const target = { atFlops: LADDER[LADDER.length - 1]! * 4, relativeHalfWidth: args.halfWidth, level: 0.8 };
  console.log(
    `bench:adaptive — FLOPs to pin N_opt at C = ${sci(target.atFlops)} within ±${(100 * args.halfWidth).toFixed(0)}% (80% bootstrap interval, Approach 2)`,
  );
  console.log(
    `hidden laws: ${LAWS.length} × ${args.seeds} seeds; loss noise σ = ${args.noise}; budgets ${LADDER.map(sci).join(', ')}; prior off by up to ±0.3 decade`,
  );
  console.log(
    'fixed grid: 9 sizes over 1.5 decades per budget, the smallest number of budgets that meets the target; adaptive: 5 sizes over 1.5 decades at 2 budgets, then decideNextRuns (same prior)\n',
  );
  const header = [
    'law',
    'seed',
    'grid FLOPs',
    'grid runs',
    'grid error',
    'adaptive FLOPs',
    'adaptive runs',
    'adaptive error',
    'ratio',
    'adaptive N_opt [80%]',
    'true N_opt',
  ];
  // A design "reached" the precision when its interval met the target AND its estimate is really within
  // ±target of the hidden law's N_opt: an overconfident interval does not count.
  const error = (o: { estimate?: { nOpt: number }; trueNOpt: number }): number =>
    o.estimate ? Math.abs(o.estimate.nOpt / o.trueNOpt - 1) : Number.POSITIVE_INFINITY;
  const reached = (o: { met: boolean; estimate?: { nOpt: number }; trueNOpt: number }): boolean => o.met && error(o) <= args.halfWidth;
  const rows: string[][] = [];
  let gridTotal = 0;
  let adaptiveTotal = 0;
  let compared = 0;
  const ratios: number[] = [];
  let gridReached = 0;
  let adaptiveReached = 0;
  const misses: string[] = [];
  for (const { name, law } of LAWS) {
    for (let seed = 0; seed < args.seeds; seed++) {
      // The prior's error: a seeded offset in [−0.3, 0.3] decades, the same for both designs.
      const priorOffsetDecades = ((((seed * 7919 + name.length * 104729) % 61) / 60) * 2 - 1) * 0.3;
      const study: SimulatedStudy = {
        law,
        noise: args.noise,
        seed: seed + 1,
        ladder: LADDER,
        target,
        priorOffsetDecades,
        resamples: args.resamples,
      };
      const grid = simulateFixedGrid(study);
      const adaptive = simulateAdaptive(study);
      const ratio = adaptive.flops / grid.flops;
      gridReached += reached(grid) ? 1 : 0;
      adaptiveReached += reached(adaptive) ? 1 : 0;
      if (reached(grid) && reached(adaptive)) {
        ratios.push(ratio);
        gridTotal += grid.flops;
        adaptiveTotal += adaptive.flops;
        compared++;
      } else {
        const failed = [
          reached(grid)
            ? ''
            : `the grid (${grid.met ? `estimate off by ${(100 * error(grid)).toFixed(0)}%` : 'interval too wide at the largest budget'})`,
          reached(adaptive)
            ? ''
            : `the adaptive planner (${adaptive.met ? `estimate off by ${(100 * error(adaptive)).toFixed(0)}%` : adaptive.decisions.at(-1)})`,
        ];
        misses.push(`${name} seed ${seed}: ${failed.filter(Boolean).join(' and ')} did not reach the target; left out of the totals`);
      }
      const e = adaptive.estimate;
      rows.push([
        name,
        String(seed),
        `${sci(grid.flops)}${grid.met ? '' : ' (miss)'}`,
        String(grid.runs),
        `${(100 * error(grid)).toFixed(0)}%`,
        `${sci(adaptive.flops)}${adaptive.met ? '' : ' (miss)'}`,
        String(adaptive.runs),
        `${(100 * error(adaptive)).toFixed(0)}%`,
        ratio.toFixed(2),
        e ? `${e.nOpt.toPrecision(3)} [${e.lower.toPrecision(3)}, ${e.upper.toPrecision(3)}]` : '—',
        adaptive.trueNOpt.toPrecision(3),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const miss of misses) console.log(`note: ${miss}`);
  const ratio = adaptiveTotal / gridTotal;
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted.length ? (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2 : Number.NaN;
  console.log(
    `reached the precision: fixed grid ${gridReached}/${rows.length} studies, adaptive ${adaptiveReached}/${rows.length} (an 80% interval leaves the truth outside about 1 time in 5)`,
  );
  console.log(`median per-study ratio adaptive/grid: ${median.toFixed(2)}`);
  console.log(
    `total over the ${compared} studies where both designs reached the precision (interval met and estimate truly within the target): fixed grid ${sci(gridTotal)} FLOPs, adaptive ${sci(adaptiveTotal)} FLOPs, ratio ${ratio.toFixed(2)} (target ≤ 0.50: ${ratio <= 0.5 ? 'met' : 'MISSED'})`,
  );
}

main();
