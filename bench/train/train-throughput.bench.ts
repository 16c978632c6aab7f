/**
 * `npm run bench:train`: training throughput of the tfjs transformer on the wasm backend for N ≈ 1e4, 1e5
 * and 1e6, as tokens/s and achieved FLOP/s (exact FLOPs per token × tokens/s), each as a fraction of
 * (a) the same backend's rank-2 fp32 matmul throughput measured in this run and (b) numpy's single-thread
 * sgemm (OPENBLAS_NUM_THREADS=1) when python3 with numpy exists.
 *
 * Options: --sizes 1e4,1e5,1e6  --seconds 20 (timed seconds per size)  --profile (kernel-time breakdown)
 *          --group-tokens 64 (attention group width, see grouped-attention.ts)
 *          --total (sizes are total parameter counts, as sweeps count them; see docs/worker.md).
 * The "6·N_total" column is the FLOP rate in the sweeps' accounting (C = 6·N_total·D): what sizes the budgets.
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import {
  batchSizeFor,
  hardwareFlopsPerToken,
  loadCorpus,
  loadModel,
  loadTrainer,
  modelFlopsPerToken,
  solveShape,
  solveShapeForTotalParams,
  TrainingStream,
} from '@scaleplan/language-model';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
};
const sizes = option('sizes', '1e4,1e5,1e6').split(',').map(Number);
const secondsPerSize = Number(option('seconds', '20'));
const profile = args.includes('--profile');
const groupTokens = Number(option('group-tokens', '64'));
const sizesAreTotal = args.includes('--total');

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Rank-2 fp32 matmul GFLOP/s of the active backend (n×n·n×n, warm, median, including the read-back). */
function matmulGflops(n: number, reps = 10): number {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const times: number[] = [];
  for (let i = 0; i < reps + 3; i += 1) {
    const start = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    const ms = performance.now() - start;
    c.dispose();
    if (i >= 3) times.push(ms);
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / (median(times) / 1000) / 1e9;
}

function numpyGflops(): number | undefined {
  const script =
    'import numpy as np,time\nn=1024\na=np.random.rand(n,n).astype(np.float32)\nb=np.random.rand(n,n).astype(np.float32)\nt=[]\nfor i in range(23):\n s=time.perf_counter();a@b;t.append(time.perf_counter()-s)\nt=sorted(t[3:])\nprint(2*n**3/t[len(t)//2]/1e9)';
  const result = spawnSync('python3', ['-c', script], {
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    encoding: 'utf8',
  });
  const value = Number(result.stdout?.trim());
  return result.status === 0 && Number.isFinite(value) ? value : undefined;
}

const { selectBackend, TransformerModel } = await loadModel();
const { AdamW, trainingStep } = await loadTrainer();
const backend = await selectBackend('wasm');
const matmul = Math.max(matmulGflops(512), matmulGflops(1024));
const numpy = numpyGflops();
const corpus = loadCorpus('moby-dick', 'byte', 64);
console.log(
  `backend ${backend}; rank-2 fp32 matmul ${matmul.toFixed(1)} GFLOP/s (best of 512², 1024²); numpy 1-thread sgemm ${numpy ? `${numpy.toFixed(1)} GFLOP/s` : 'n/a (no python3+numpy)'}`,
);
console.log(
  'N target | exact N | N total | shape (L/d/H/ff) | batch | tok/s | model GFLOP/s | % of wasm matmul | % of numpy | incl. emb+logits GFLOP/s | % of wasm matmul | 6·N_total GFLOP/s',
);

for (const target of sizes) {
  const shapeOptions = { vocabSize: corpus.tokenizer.vocabSize, sequenceLength: 64 };
  const { shape, params, paramsTotal } = sizesAreTotal ? solveShapeForTotalParams(target, shapeOptions) : solveShape(target, shapeOptions);
  const model = new TransformerModel(shape, 1, groupTokens);
  const optimizer = new AdamW(
    model.variables,
    model.specs.map((s) => s.decay),
  );
  const stream = new TrainingStream(corpus.train, 64, 1);
  const sequences = batchSizeFor(shape, Number.POSITIVE_INFINITY);
  for (let i = 0; i < 2; i += 1) trainingStep(model, optimizer, stream.next(sequences), 1e-3);
  if (profile) {
    const info = await tf.profile(() => {
      trainingStep(model, optimizer, stream.next(sequences), 1e-3);
    });
    const byKernel = new Map<string, { ms: number; calls: number }>();
    for (const kernel of info.kernels.filter((k) => !k.name.endsWith('__op') && k.name !== 'forward')) {
      const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
      entry.ms += kernel.kernelTimeMs as number;
      entry.calls += 1;
      byKernel.set(kernel.name, entry);
    }
    const total = [...byKernel.values()].reduce((sum, e) => sum + e.ms, 0);
    console.log(
      `  profile N=${target}: ${info.kernels.length} kernels, ${total.toFixed(0)} ms kernel time; top: ${[...byKernel.entries()]
        .sort((x, y) => y[1].ms - x[1].ms)
        .slice(0, 14)
        .map(([name, e]) => `${name} ${e.ms.toFixed(0)}ms/${e.calls}`)
        .join(', ')}`,
    );
  }
  let steps = 0;
  const start = performance.now();
  while (steps < 3 || performance.now() - start < secondsPerSize * 1000) {
    trainingStep(model, optimizer, stream.next(sequences), 1e-3);
    steps += 1;
  }
  const seconds = (performance.now() - start) / 1000;
  const tokensPerSecond = (steps * sequences * 64) / seconds;
  const modelGflops = (modelFlopsPerToken(shape) * tokensPerSecond) / 1e9;
  const hardwareGflops = (hardwareFlopsPerToken(shape) * tokensPerSecond) / 1e9;
  const pct = (x: number, of: number | undefined): string => (of ? `${((100 * x) / of).toFixed(1)}%` : 'n/a');
  console.log(
    `${target.toExponential(0)} | ${params} | ${paramsTotal} | ${shape.layers}/${shape.modelDim}/${shape.heads}/${shape.ffDim} | ${sequences}×64 | ${Math.round(tokensPerSecond)} | ${modelGflops.toFixed(2)} | ${pct(modelGflops, matmul)} | ${pct(modelGflops, numpy)} | ${hardwareGflops.toFixed(2)} | ${pct(hardwareGflops, matmul)} | ${((6 * paramsTotal * tokensPerSecond) / 1e9).toFixed(2)}`,
  );
  model.dispose();
  optimizer.dispose();
}
