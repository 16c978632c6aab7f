/**
 * `npm run bench:seeds`: the training recipe's seed-to-seed spread of final loss at one sweep point, for the
 * recipe's learning rate and scaled variants of it (issue 11 §1: below 0.5% at every sweep size). Every run is
 * a real training run (byte-level sotu, the worker's Trainer, 4,096-window final evaluation), one process per
 * core. It prints, per batch size and learning-rate scale, the losses, their mean, sd ÷ mean and training speed.
 *
 * Options: --flops C (default 1e11)  --params N_total (default 16661, the noisiest size of bench:science at 1e11)
 *          --batches 32,16 (sequences of 64 tokens per step; default the recipe's rule)
 *          --final-lr 0.1,0 (the learning-rate floor as a fraction of the peak; default the recipe's)
 *          --layers L (the same total N with L layers; default the shape rule's)
 *          --seeds K (default 4)  --first-seed S (default 0)  --lr-scales 1,0.5,0.25 (× the recipe's peak learning rate)  --workers W
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  batchSizeFor,
  DEFAULT_SEQUENCE_LENGTH,
  countParameters,
  DEFAULT_VOCAB_SIZE,
  FINAL_LR_FRACTION,
  headsFor,
  loadTrainer,
  peakLearningRateFor,
  solveShapeForTotalParams,
} from '@scaleplan/language-model';
import type { TransformerShape } from '@scaleplan/scaling-laws';

interface Probe {
  readonly flops: number;
  readonly paramsTotal: number;
  readonly seed: number;
  readonly lrScale: number;
  /** Sequences per step; undefined: the recipe's rule. */
  readonly batch?: number;
  /** The learning-rate floor as a fraction of the peak; undefined: the recipe's. */
  readonly finalLr?: number;
  /** Layers of the shape (same total N, width and MLP searched); undefined: the shape rule's. */
  readonly layers?: number;
}

const RESULT = 'SEEDS_RESULT ';
const option = (args: readonly string[], name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
};
const shapeOptions = { sequenceLength: DEFAULT_SEQUENCE_LENGTH, vocabSize: DEFAULT_VOCAB_SIZE };

/**
 * The sweep's shape for a total N, or with `layers` layers: the width and MLP whose total is nearest N (heads by
 * the solver's rule), for probes of the shape rule.
 */
function shapeFor(paramsTotal: number, layers?: number): { shape: TransformerShape; params: number; paramsTotal: number } {
  const solved = solveShapeForTotalParams(paramsTotal, shapeOptions);
  if (layers === undefined || layers === solved.shape.layers) return solved;
  let best: TransformerShape | undefined;
  for (let modelDim = 8; modelDim <= 256; modelDim += 1) {
    const heads = headsFor(modelDim);
    if (modelDim % heads !== 0) continue;
    for (let ffDim = 2 * modelDim; ffDim <= 8 * modelDim; ffDim += 1) {
      const shape = { ...solved.shape, layers, modelDim, heads, headDim: modelDim / heads, ffDim };
      if (!best || Math.abs(countParameters(shape).total - paramsTotal) < Math.abs(countParameters(best).total - paramsTotal)) best = shape;
    }
  }
  const counts = countParameters(best!);
  return { shape: best!, params: counts.nonEmbedding, paramsTotal: counts.total };
}

/** Child: one training run; prints its final loss. */
async function trainOne(probe: Probe): Promise<void> {
  const solved = shapeFor(probe.paramsTotal, probe.layers);
  const { Trainer } = await loadTrainer();
  const result = await new Trainer({
    backend: 'wasm',
    peakLearningRate: probe.lrScale * peakLearningRateFor(solved.shape),
    ...(probe.batch ? { batchSequences: probe.batch } : {}),
    ...(probe.finalLr !== undefined ? { finalLearningRateFraction: probe.finalLr } : {}),
  }).train({
    runId: `seeds-${probe.paramsTotal}-L${probe.layers}-lr${probe.lrScale}-b${probe.batch}-f${probe.finalLr}-s${probe.seed}`,
    params: solved.params,
    shape: solved.shape,
    tokens: Math.round(probe.flops / (6 * solved.paramsTotal)),
    seed: probe.seed,
    corpus: 'sotu',
  });
  process.stdout.write(
    `${RESULT}${JSON.stringify({ ...probe, loss: result.finalLoss ?? Number.NaN, status: result.status, tokensPerSecond: result.tokensPerSecond })}\n`,
  );
}

const runChild = (probe: Probe): Promise<Probe & { loss: number; status: string; tokensPerSecond: number }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--train-one', JSON.stringify(probe)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = output.split('\n').find((l) => l.startsWith(RESULT));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT.length)));
      else reject(new Error(`run ${JSON.stringify(probe)} failed (exit ${code})`));
    });
  });

async function main(args: readonly string[]): Promise<void> {
  const one = option(args, 'train-one', '');
  if (one) return trainOne(JSON.parse(one) as Probe);
  const flops = Number(option(args, 'flops', '1e11'));
  const paramsTotal = Number(option(args, 'params', '16661'));
  const seeds = Number(option(args, 'seeds', '4'));
  const firstSeed = Number(option(args, 'first-seed', '0'));
  const scales = option(args, 'lr-scales', '1,0.5,0.25').split(',').map(Number);
  const finalLrs = option(args, 'final-lr', String(FINAL_LR_FRACTION)).split(',').map(Number);
  const layersOption = option(args, 'layers', '');
  const layers = layersOption ? Number(layersOption) : undefined;
  if (layers !== undefined && !(Number.isInteger(layers) && layers >= 1))
    throw new Error(`--layers must be a positive integer, got ${layersOption}`);
  const solved = shapeFor(paramsTotal, layers);
  const batches = option(args, 'batches', String(batchSizeFor(solved.shape, Math.round(flops / (6 * solved.paramsTotal)))))
    .split(',')
    .map(Number);
  const workers = Number(option(args, 'workers', String(cpus().length)));
  const bad = [flops, paramsTotal, seeds, workers, firstSeed + 1, ...scales, ...batches, ...finalLrs.map((f) => f + 1)].find(
    (x) => !(Number.isFinite(x) && x > 0),
  );
  if (bad !== undefined) throw new Error(`every option must be a positive number, got ${bad}`);
  const s = solved.shape;
  console.log(
    `bench:seeds: C = ${flops.toExponential(2)}, N_total = ${solved.paramsTotal} (${s.layers}/${s.modelDim}/${s.heads}/${s.ffDim}), ` +
      `D = ${Math.round(flops / (6 * solved.paramsTotal))}, recipe peak LR ${peakLearningRateFor(s).toPrecision(3)}, ${seeds} seeds, ${workers} workers`,
  );
  const probes = batches.flatMap((batch) =>
    finalLrs.flatMap((finalLr) =>
      scales.flatMap((lrScale) =>
        Array.from({ length: seeds }, (_, i) => ({
          flops,
          paramsTotal: solved.paramsTotal,
          seed: firstSeed + i,
          lrScale,
          batch,
          finalLr,
          ...(layers !== undefined ? { layers } : {}),
        })),
      ),
    ),
  );
  const results: Awaited<ReturnType<typeof runChild>>[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, probes.length) }, async () => {
      while (next < probes.length) results.push(await runChild(probes[next++]!));
    }),
  );
  console.log('batch (sequences) | LR floor | LR scale | peak LR | losses (seed order) | mean | sd ÷ mean | tokens/s per process');
  for (const batch of batches)
    for (const finalLr of finalLrs)
      for (const lrScale of scales) {
        const group = results
          .filter((r) => r.lrScale === lrScale && r.batch === batch && r.finalLr === finalLr)
          .sort((a, b) => a.seed - b.seed);
        const losses = group.map((r) => r.loss);
        const speed = group.reduce((a, r) => a + r.tokensPerSecond, 0) / group.length;
        const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
        const sd = Math.sqrt(losses.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, losses.length - 1));
        console.log(
          `${batch} | ${finalLr} | ${lrScale} | ${(lrScale * peakLearningRateFor(s)).toPrecision(3)} | ${losses.map((l) => l.toFixed(4)).join(', ')} | ${mean.toFixed(4)} | ${((100 * sd) / mean).toFixed(2)}% | ${Math.round(speed)}`,
        );
      }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench:seeds: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
