// `npm run bench:fit`: wall and CPU time of the Approach-3 fit in @scaleplan/scaling-laws against
// scipy.optimize L-BFGS-B (bench/fit/scipy_reference.py) on the same data, objective and grid.
// Figures only: nothing here is asserted. Options: --data PATH, --resamples K, --scipy-modes default,tight, --no-scipy.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bootstrapApproach3, fitApproach3, type Approach3Fit, type LossObservation } from '@scaleplan/scaling-laws';

interface Args {
  data: string;
  resamples: number;
  scipyModes: string;
  scipy: boolean;
}

function parseArgs(argv: string[]): Args {
  // The published data's folder, found as test/support/shared-data.ts finds it.
  const sharedData = process.env.SCALEPLAN_SHARED_DATA || '../shared/data';
  const args: Args = { data: `${sharedData}/svg_extracted_data.csv`, resamples: 1000, scipyModes: 'default,tight', scipy: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--data') args.data = argv[++i]!;
    else if (flag === '--resamples') args.resamples = Number(argv[++i]);
    else if (flag === '--scipy-modes') args.scipyModes = argv[++i]!;
    else if (flag === '--no-scipy') args.scipy = false;
    else throw new Error(`unknown option ${flag}; known: --data PATH, --resamples K, --scipy-modes default,tight, --no-scipy`);
  }
  return args;
}

/** The 245 Chinchilla runs minus the 5 highest losses (Besiroglu et al. 2024), D = C/(6N). */
function loadRuns(path: string, dropTopLoss: number): LossObservation[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = header!.split(',');
  const [n, c, l] = ['Model Size', 'Training FLOP', 'loss'].map((name) => cols.indexOf(name)) as [number, number, number];
  const runs = lines.map((line) => {
    const cells = line.split(',');
    const params = Number(cells[n]);
    return { params, tokens: Number(cells[c]) / (6 * params), loss: Number(cells[l]) };
  });
  const dropped = new Set([...runs].sort((p, q) => q.loss - p.loss).slice(0, dropTopLoss));
  return runs.filter((r) => !dropped.has(r));
}

function timed<T>(work: () => T): { value: T; seconds: number; cpuSeconds: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { value, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

interface ScipyResult {
  mode: string;
  seconds: number;
  cpuSeconds: number;
  objective: number;
  successes: number;
  medianIterations: number;
  runs: number;
  scipy: string;
  numpy: string;
  a: number;
  params: Record<string, number>;
}

const describeFit = (fit: Approach3Fit) =>
  `E ${fit.law.irreducibleLoss.toFixed(5)}  A ${fit.law.paramCoeff.toFixed(2)}  B ${fit.law.dataCoeff.toFixed(1)}  α ${fit.law.paramExponent.toFixed(6)}  β ${fit.law.dataExponent.toFixed(6)}  a ${fit.frontier?.a.toFixed(5)}`;

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const runs = loadRuns(args.data, 5);
  console.log(
    `Approach 3 benchmark: ${runs.length} runs of ${args.data} (5 highest losses dropped), full 4,500-start grid, Huber δ = 1e-3, summed`,
  );
  console.log(`Node ${process.version}, single thread\n`);

  const screened = timed(() => fitApproach3(runs));
  console.log(
    `ours, screen + polish (default)  ${screened.seconds.toFixed(2)} s wall, ${screened.cpuSeconds.toFixed(2)} s CPU, objective ${screened.value.objective.toPrecision(13)}`,
  );
  console.log(`  ${describeFit(screened.value)}  converged ${screened.value.converged}, ${screened.value.polishedCount} polished`);
  const tight = timed(() => fitApproach3(runs, { screening: false }));
  console.log(
    `ours, every start tight          ${tight.seconds.toFixed(2)} s wall, ${tight.cpuSeconds.toFixed(2)} s CPU, objective ${tight.value.objective.toPrecision(13)}`,
  );
  const boot = timed(() => bootstrapApproach3(runs, { resamples: args.resamples, seed: 0, budgets: [5.76e23] }));
  console.log(
    `ours, bootstrap ${args.resamples} resamples      ${boot.seconds.toFixed(2)} s wall, ${boot.cpuSeconds.toFixed(2)} s CPU, incl. one full-grid fit; ` +
      `${boot.value.succeeded} converged, ${boot.value.failed} failed; 80% CI of a (${boot.value.intervals.a!.lower.toFixed(4)}, ${boot.value.intervals.a!.upper.toFixed(4)})`,
  );

  if (!args.scipy) return;
  const script = fileURLToPath(new URL('../../../bench/fit/scipy_reference.py', import.meta.url));
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  console.log(`\nscipy reference (${script}), modes ${args.scipyModes}; this takes a while…`);
  const python = spawnSync('python3', [script, args.data, '--drop-top-loss', '5', '--modes', args.scipyModes], {
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 24,
  });
  if (python.status !== 0) {
    console.log(`scipy reference failed (status ${python.status}): ${python.stderr.trim() || python.error?.message}`);
    return;
  }
  for (const line of python.stdout.trim().split('\n')) {
    const ref = JSON.parse(line) as ScipyResult;
    console.log(
      `scipy ${ref.scipy} / numpy ${ref.numpy}, L-BFGS-B ${ref.mode.padEnd(7)} ${ref.seconds.toFixed(2)} s wall, ${ref.cpuSeconds.toFixed(2)} s CPU, objective ${ref.objective.toPrecision(13)}, ` +
        `${ref.successes}/4500 success, median ${ref.medianIterations} iterations, a ${ref.a.toFixed(5)}`,
    );
    for (const [name, ours] of [
      ['screen + polish', screened],
      ['every start tight', tight],
    ] as const) {
      const diff = ours.value.objective - ref.objective;
      // Sums of 240 rounded terms differ in the last bits between implementations: 1e-12 relative is "equal".
      const verdict = Math.abs(diff) <= 1e-12 * ref.objective ? 'equal to rounding' : diff < 0 ? 'better' : 'WORSE';
      console.log(
        `  vs ours (${name}): ${(ref.seconds / ours.seconds).toFixed(1)}× faster wall, ${(ref.cpuSeconds / ours.cpuSeconds).toFixed(1)}× CPU; ` +
          `objective ${verdict} (ours − scipy = ${diff.toExponential(2)})`,
      );
    }
  }
}

main();
