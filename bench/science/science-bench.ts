/**
 * `npm run bench:science`: the project's central claim, measured on this machine (issue 11, §5).
 *
 * 1. A real IsoFLOP sweep (byte-level sotu, the recipe in docs/worker.md) at three or more budgets.
 * 2. Fit: Approach 2 (bootstrapped N_opt intervals), the compute frontier through its minima (loss prediction),
 *    and Approach 3 (reported for comparison).
 * 3. Allocate at a held-out budget 4× the largest sweep budget; train the allocated model (several seeds) and
 *    its neighbours N/2 and 2N at the same FLOPs.
 * 4. Check: predicted loss within 1% of measured; neither neighbour better beyond seed noise; N_opt's 80%
 *    interval at the top sweep budget no wider than ×2. Prints a table, writes JSON and an SVG.
 *
 * Resumable: each finished run is stored in <out>/runs/<id>.json and each run checkpoints while it trains,
 * so rerunning the same command after an interruption continues where it stopped.
 *
 * Options: --quick (tiny budgets, a few minutes: a smoke test, not a measurement)  --out DIR
 *          (default reports/science or reports/science-quick)  --workers K (default: one per core)
 *          --resamples R (bootstrap, default 400)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import {
  checkpointDirFor,
  DEFAULT_SEQUENCE_LENGTH,
  DEFAULT_VOCAB_SIZE,
  loadTrainer,
  TRAINING_RECIPE_VERSION,
} from '@scaleplan/language-model';
import { executeRuns, RunStore, type FinishedRun, type TrainOne } from './run-store.js';
import { fitSweep, sizePoints, verdicts, type SweepFit } from './science-fit.js';
import { heldOutRuns, sweepRuns, type PlannedRun, type SciencePlanOptions } from './science-plan.js';
import { renderProfilesSvg } from './science-svg.js';

const CORPUS = 'sotu';

/** The measured configuration (≤ 60 min on 2 quiet cores) and the smoke-test one. */
export interface ScienceConfig extends SciencePlanOptions {
  readonly heldOutFactor: number;
  readonly heldOutSeeds: number[];
  /** Held-out windows of each run's final evaluation (the Trainer's default is 4,096). */
  readonly finalEvalSequences: number;
}

export const CONFIGS: Record<'full' | 'quick', ScienceConfig> = {
  full: {
    // Four budgets a factor 2 apart (8× in all) and the held-out one at 1.6e12: the held-out runs dominate the
    // cost (each about as long as a whole sweep budget's five runs). 5e10 widens the span that Approach 3's
    // exponents are read from (3 budgets over 4× left it ill-conditioned: 154/400 bootstrap fits converged)
    // for 2% more FLOPs; 2.5e10 would put its minimum at the smallest trainable model. 8e11 at the top would
    // double the held-out cost.
    budgets: [5e10, 1e11, 2e11, 4e11],
    // Nine sizes: with five, 73% of the bootstrap's resamples lose a budget's third size and N_opt's 80% interval
    // is ×2.1–3.5 wide at this noise (`npm run bench:intervals`); nine make it ×1.3–1.8 with 83–93% coverage.
    // The nine include the five of the 8× grid, so a store of a five-size sweep is reused.
    sizesPerBudget: 9,
    spanFactor: 8,
    // Measured here: at C = 2e11 the minimum lies near N_total = 14K (D/N ≈ 160), so byte-level models at this
    // scale want far more tokens per parameter than Chinchilla's 20; 60 centres the sizes with room both ways.
    priorTokensPerParam: 60,
    sweepSeeds: [0],
    // A second seed at every size of the two cheapest budgets (6% more FLOPs): the seed spread across sizes.
    replicateSeeds: { seeds: [1], upToFlops: 1e11 },
    heldOutFactor: 4,
    heldOutSeeds: [0, 1, 2],
    finalEvalSequences: 4096,
    sequenceLength: DEFAULT_SEQUENCE_LENGTH,
    vocabSize: DEFAULT_VOCAB_SIZE,
  },
  quick: {
    budgets: [1.5e10, 3e10, 6e10],
    sizesPerBudget: 3,
    spanFactor: 3,
    priorTokensPerParam: 20,
    sweepSeeds: [0],
    heldOutFactor: 4,
    heldOutSeeds: [0, 1],
    finalEvalSequences: 512,
    sequenceLength: DEFAULT_SEQUENCE_LENGTH,
    vocabSize: DEFAULT_VOCAB_SIZE,
  },
};

const RESULT_MARKER = 'SCIENCE_RESULT ';

/** Child-process entry: train one planned run (with its own checkpoint directory) and print the result. */
async function trainInThisProcess(run: PlannedRun, checkpointRoot: string, finalEvalSequences: number): Promise<void> {
  const { Trainer } = await loadTrainer();
  const result = await new Trainer({ backend: 'wasm', checkpointDir: checkpointDirFor(checkpointRoot, run.id), finalEvalSequences }).train({
    runId: run.id,
    params: run.nonEmbeddingParams,
    shape: run.shape,
    tokens: run.tokens,
    seed: run.seed,
    corpus: CORPUS,
  });
  const finished: FinishedRun = {
    ...run,
    status: result.status,
    ...(result.finalLoss !== undefined ? { finalLoss: result.finalLoss } : {}),
    ...(result.finalLossStdError !== undefined ? { finalLossStdError: result.finalLossStdError } : {}),
    ...(result.evalTokens !== undefined ? { evalTokens: result.evalTokens } : {}),
    shape: result.shape,
    nonEmbeddingExact: result.params,
    tokensPerSecond: result.tokensPerSecond,
    wallSeconds: result.wallSeconds,
    repetitionFactor: result.repetitionFactor,
    simulated: false,
  };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(finished)}\n`);
}

/** Trains a run in a child process (one core each: the wasm backend is single-threaded). */
function trainInChild(checkpointRoot: string, finalEvalSequences: number): TrainOne {
  const self = fileURLToPath(import.meta.url);
  return (run) =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(
        process.execPath,
        [self, '--train-one', JSON.stringify(run), '--checkpoints', checkpointRoot, '--final-eval', String(finalEvalSequences)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        const line = output.split('\n').find((l) => l.startsWith(RESULT_MARKER));
        if (code === 0 && line) resolvePromise(JSON.parse(line.slice(RESULT_MARKER.length)) as FinishedRun);
        else reject(new Error(`run ${run.id} failed (exit ${code})`));
      });
    });
}

const option = (args: string[], name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};

const fmt = (x: number, digits = 3): string => x.toExponential(digits - 1);

function printSweep(runs: readonly FinishedRun[]): void {
  console.log('\nsweep (sotu, byte tokens; N = total parameters, C = 6ND)');
  console.log('budget C  | N total  | N non-emb | shape L/d/H/ff | D         | loss (mean) | seeds | seed σ | tok/s');
  for (const point of sizePoints(runs)) {
    const run = runs.find((r) => r.budgetFlops === point.budgetFlops && r.params === point.params)!;
    const s = run.shape;
    console.log(
      `${fmt(point.budgetFlops)} | ${fmt(point.params)} | ${fmt(run.nonEmbeddingExact)} | ${`${s.layers}/${s.modelDim}/${s.heads}/${s.ffDim}`.padEnd(14)} | ${fmt(point.tokens)} | ${point.meanLoss.toFixed(4).padStart(11)} | ${String(point.seeds).padStart(5)} | ${point.seedStd.toFixed(4)} | ${Math.round(run.tokensPerSecond)}`,
    );
  }
}

function printFit(fit: SweepFit): void {
  console.log(
    `\nApproach 2: a = ${fit.approach2.a.toFixed(3)} (80% [${fit.approach2.aInterval.map((x) => x.toFixed(3)).join(', ')}]), b = ${fit.approach2.b.toFixed(3)}; minima bracketed: ${fit.approach2.parabolas.map((p) => (p.bracketed ? 'yes' : 'NO')).join(', ')}`,
  );
  if (fit.approach3) {
    const l = fit.approach3.law;
    console.log(
      `Approach 3: L = ${l.E.toFixed(3)} + ${l.A.toPrecision(3)}/N^${l.alpha.toFixed(3)} + ${l.B.toPrecision(3)}/D^${l.beta.toFixed(3)} (converged: ${fit.approach3.converged}, a = ${fit.approach3.a?.toFixed(3) ?? 'n/a'})`,
    );
  }
  console.log(
    `N_opt at the top sweep budget ${fmt(fit.topBudget.flops)}: ${fmt(fit.topBudget.params)} [${fmt(fit.topBudget.lower)}, ${fmt(fit.topBudget.upper)}] (×${fit.topBudget.ratio.toFixed(2)})`,
  );
  console.log(
    `held-out budget ${fmt(fit.heldOut.flops)}: N* = ${fmt(fit.heldOut.params)}, D* = ${fmt(fit.heldOut.tokens)}, predicted loss ${fit.heldOut.predictedLoss?.toFixed(4) ?? 'n/a'}` +
      (fit.heldOut.predictedLossInterval ? ` [80%: ${fit.heldOut.predictedLossInterval.map((x) => x.toFixed(4)).join(', ')}]` : '') +
      ` (frontier L*(C)${fit.frontier ? ` = ${fit.frontier.coeff.toPrecision(4)}·C^−${fit.frontier.exponent.toFixed(4)}, γ 80% [${fit.frontier.exponentInterval.map((x) => x.toFixed(4)).join(', ')}]` : ''}); Approach 3 predicts ${fit.heldOut.approach3PredictedLoss?.toFixed(4) ?? 'n/a'}`,
  );
  for (const warning of fit.warnings) console.log(`  warning: ${warning}`);
}

async function main(args: string[]): Promise<number> {
  const trainOne = option(args, 'train-one');
  if (trainOne) {
    await trainInThisProcess(JSON.parse(trainOne) as PlannedRun, option(args, 'checkpoints')!, Number(option(args, 'final-eval')));
    return 0;
  }
  const quick = args.includes('--quick');
  const config = CONFIGS[quick ? 'quick' : 'full'];
  const out = resolve(option(args, 'out') ?? join('reports', quick ? 'science-quick' : 'science'));
  const workers = Number(option(args, 'workers') ?? cpus().length);
  const resamples = Number(option(args, 'resamples') ?? 400);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer, got ${option(args, 'workers')}`);
  const store = new RunStore(out);
  // A stored run is reusable when what decides its result beyond its id (role, budget, size, seed) is the same:
  // the recipe, the corpus and the evaluation. Changing the budgets list reuses the runs both lists share.
  const identity = {
    recipeVersion: TRAINING_RECIPE_VERSION,
    corpus: CORPUS,
    sequenceLength: config.sequenceLength,
    vocabSize: config.vocabSize,
    finalEvalSequences: config.finalEvalSequences,
  };
  const storedIdentity = store.readValue<typeof identity>('identity');
  if (storedIdentity && JSON.stringify(storedIdentity) !== JSON.stringify(identity)) {
    throw new Error(`${out} holds runs of another recipe or evaluation (${JSON.stringify(storedIdentity)}); remove it or pass --out`);
  }
  store.writeValue('identity', identity);
  const train = trainInChild(join(out, 'checkpoints'), config.finalEvalSequences);
  const started = performance.now();
  const progress = (run: FinishedRun, done: number, total: number, resumed: boolean): void => {
    const elapsed = (performance.now() - started) / 1000;
    console.log(
      `[${done}/${total}] ${run.id}: ${run.status} loss ${run.finalLoss?.toFixed(4) ?? '—'}${resumed ? ' (stored)' : ` in ${run.wallSeconds.toFixed(0)} s, ${Math.round(run.tokensPerSecond)} tok/s`} — ${elapsed.toFixed(0)} s elapsed`,
    );
  };
  console.log(
    `bench:science${quick ? ' --quick (smoke test: budgets too small to measure anything)' : ''}: output ${out}, ${workers} worker process(es)`,
  );

  const sweepPlan = sweepRuns(config);
  const sweep = await executeRuns(sweepPlan, store, train, { concurrency: workers, onFinished: progress });
  printSweep(sweep);

  const heldOutFlops = config.heldOutFactor * Math.max(...config.budgets);
  const fit = fitSweep(sweep, heldOutFlops, resamples);
  printFit(fit);
  // The allocation is stored per held-out budget and sweep, so a rerun after an interruption trains the same
  // held-out models, and a different sweep (more sizes, other budgets) allocates afresh.
  const sweepKey = createHash('sha256')
    .update(sweepPlan.map((r) => r.id).join(','))
    .digest('hex')
    .slice(0, 12);
  const allocationKey = `allocation-${heldOutFlops.toExponential(2).replace('+', '')}-sweep-${sweepKey}`;
  const allocation = store.readValue<{ flops: number; params: number }>(allocationKey) ?? {
    flops: heldOutFlops,
    params: fit.heldOut.params,
  };
  store.writeValue(allocationKey, allocation);
  const heldOutPlan = heldOutRuns(allocation.flops, allocation.params, config.heldOutSeeds, config);
  const heldOut = await executeRuns(heldOutPlan, store, train, { concurrency: workers, onFinished: progress });

  const checks = verdicts(fit, heldOut, sweep);
  console.log('\nheld-out check');
  console.log('role      | N total  | D        | loss    | seed');
  for (const run of heldOut)
    console.log(
      `${run.role.padEnd(9)} | ${fmt(run.params)} | ${fmt(run.tokens)} | ${run.finalLoss?.toFixed(4) ?? run.status} | ${run.seed}`,
    );
  console.log('\ntargets');
  for (const check of checks) console.log(`${check.pass ? 'PASS' : 'MISS'}  ${check.name}: ${check.detail}`);
  const wallSeconds = (performance.now() - started) / 1000;
  const coreSeconds = [...sweep, ...heldOut].reduce((sum, r) => sum + r.wallSeconds, 0);
  console.log(`\nwall time this invocation ${wallSeconds.toFixed(0)} s; training time of all runs ${coreSeconds.toFixed(0)} core-seconds`);

  writeFileSync(
    join(out, 'science.json'),
    `${JSON.stringify({ quick, config, fit, allocation, sweep, heldOut, verdicts: checks, wallSeconds, coreSeconds }, null, 2)}\n`,
  );
  writeFileSync(join(out, 'isoflop-profiles.svg'), await renderProfilesSvg(fit, sweep, heldOut));
  console.log(`wrote ${join(out, 'science.json')} and ${join(out, 'isoflop-profiles.svg')}`);
  return checks.every((c) => c.pass) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench:science failed: ${error instanceof Error ? error.message : String(error)} (rerun the same command to resume)`);
    process.exit(2);
  },
);
