import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { JobName, QueueName, type ScalingLaw } from '@scaleplan/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { startControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import { deleteKeysWithPrefix } from '../../apps/control-plane/src/redis/redis-connection.js';
import { acquireDemoRedis } from '../../apps/demo/src/index.js';

/**
 * `npm run bench:scheduler`: 10,000 simulated runs through the whole control-plane path (plan →
 * addBulk → apps/worker process in simulate mode → result collector → run store → debounced refits)
 * against 10,000 no-op jobs through bare BullMQ (addBulk → a bare Worker process) on the same Redis,
 * in the same run. Both use one worker process at concurrency 1, as local dispatch does on this machine.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const STUDIES = 20;
const BUDGETS_PER_STUDY = 20;
const SIZES = Math.round(RUNS / STUDIES / BUDGETS_PER_STUDY);
const here = fileURLToPath(new URL('.', import.meta.url));
const silent = new Writable({ write: (_c, _e, done) => done() });

async function bareBullmq(url: string, prefix: string): Promise<number> {
  const queue = new Queue(QueueName.Runs, { connection: { url }, prefix });
  const started = performance.now();
  const worker = spawn(process.execPath, [join(here, 'noop-worker.js')], {
    env: { ...process.env, REDIS_URL: url, SCALEPLAN_QUEUE_PREFIX: prefix },
    stdio: 'inherit',
  });
  for (let i = 0; i < RUNS; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, RUNS - i) }, (_, k) => ({
        name: JobName.TrainRun,
        data: { n: i + k },
        opts: { jobId: `bench/bare/${i + k}` },
      })),
    );
  }
  while ((await queue.getJobCountByTypes('completed')) < RUNS) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - started) / 1000;
  worker.kill('SIGTERM');
  await queue.close();
  return seconds;
}

function study(index: number): ScalingLaw {
  return {
    apiVersion: 'scaleplan.dev/v1alpha1',
    kind: 'ScalingLaw',
    metadata: { name: `bench-${index}`, namespace: 'bench' },
    spec: {
      model: { family: 'decoder-transformer', tokenizer: 'byte', corpus: 'moby-dick', sequenceLength: 64 },
      sweep: {
        budgetRange: { min: 1e15, max: 1e19, count: BUDGETS_PER_STUDY },
        sizesPerBudget: SIZES,
        spanDecades: 1.5,
        seed: index,
        simulate: {
          law: { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 },
          noise: 0.005,
          durationMs: 0,
        },
      },
      fit: { methods: [2], primaryMethod: 2, bootstrap: 20, confidence: 0.8 },
      maxConcurrentRuns: 1000,
      maxFailedRuns: 3,
      priority: 10,
    },
  } as ScalingLaw;
}

async function fullPath(url: string, prefix: string): Promise<{ seconds: number; refits: number }> {
  const cp = await startControlPlane({
    port: 0,
    host: '127.0.0.1',
    redisUrl: url,
    queuePrefix: prefix,
    dashboardToken: 'bench',
    localWorkersMax: 1,
    logDestination: silent,
    env: { LOG_LEVEL: 'warn' },
    tuning: { resyncSeconds: 5, localWorkerIdleExitSeconds: 60 },
  });
  try {
    const started = performance.now();
    for (let i = 0; i < STUDIES; i++) {
      const response = await fetch(`${cp.url}/api/v1/namespaces/bench/scalinglaws`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench' },
        body: JSON.stringify(study(i)),
      });
      if (!response.ok) throw new Error(`POST failed: ${response.status} ${await response.text()}`);
    }
    const laws = cp.laws;
    let lastReport = 0;
    for (;;) {
      if (process.env.BENCH_VERBOSE && performance.now() - lastReport > 1000) {
        lastReport = performance.now();
        const depth = await cp.queue.depth();
        const all = await laws.list('bench');
        process.stdout.write(
          `  t=${((performance.now() - started) / 1000).toFixed(1)}s queue=${JSON.stringify(depth)} stored=${all.reduce((s, l) => s + (l.status?.runs?.succeeded ?? 0), 0)} ready=${all.filter((l) => l.status?.phase === 'Ready').length}\n`,
        );
      }
      const all = await laws.list('bench');
      const done = all.filter((l) => l.status?.phase === 'Ready' && l.status.primaryFit?.runs === l.status.runs?.succeeded);
      const stored = all.reduce((sum, l) => sum + (l.status?.runs?.succeeded ?? 0), 0);
      if (done.length === STUDIES && stored === STUDIES * BUDGETS_PER_STUDY * SIZES) break;
      if (all.some((l) => l.status?.phase === 'Degraded')) throw new Error('a bench study is Degraded');
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const metric = (await cp.metrics.registry.getSingleMetric('scaleplan_refit_duration_seconds')?.get()) as
      { values: { metricName?: string; value: number }[] } | undefined;
    const refits = metric?.values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
    return { seconds, refits };
  } finally {
    await cp.close();
  }
}

const redisHandle = await acquireDemoRedis(process.env.REDIS_URL, (line) => process.stdout.write(`${line}\n`));
const redis = new Redis(redisHandle.url);
const id = Date.now().toString(36);
const barePrefix = `bench-bare-${id}`;
const fullPrefix = `bench-full-${id}`;
try {
  process.stdout.write(
    `Scheduler benchmark: ${STUDIES * BUDGETS_PER_STUDY * SIZES} runs (${STUDIES} studies × ${BUDGETS_PER_STUDY} budgets × ${SIZES} sizes), Redis ${redisHandle.url}\n`,
  );
  const bare = process.env.BENCH_SKIP_BARE ? Number.NaN : await bareBullmq(redisHandle.url, barePrefix);
  process.stdout.write(
    `bare BullMQ (addBulk → no-op Worker process, concurrency 1): ${bare.toFixed(2)} s (${Math.round(RUNS / bare)} jobs/s)\n`,
  );
  const full = await fullPath(redisHandle.url, fullPrefix);
  process.stdout.write(
    `ScalePlan full path (plan → enqueue → apps/worker simulate → store → debounced refit): ${full.seconds.toFixed(2)} s (${Math.round(RUNS / full.seconds)} runs/s, ${full.refits} refits)\n`,
  );
  const ratio = full.seconds / bare;
  process.stdout.write(`ratio full/bare: ${ratio.toFixed(2)}× (target ≤ 2×: ${ratio <= 2 ? 'met' : 'NOT met'})\n`);
} finally {
  await deleteKeysWithPrefix(redis, barePrefix, 5000);
  await deleteKeysWithPrefix(redis, fullPrefix, 5000);
  redis.disconnect();
  await redisHandle.stop();
}
process.exit(0);
