import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobName, QueueName, trainingJobId, trainingOutcomeSchema, type TrainingOutcome, type TrainRunInput } from '@scaleplan/contracts';
import { loadCorpus, unigramEntropy } from '@scaleplan/language-model';

/**
 * The real worker process (from dist/) against the real Redis: a small real run, kill -9 and resume,
 * SIGTERM hand-back, invalid payloads, idle exit. `npm test` builds first; when dist/ is older than the
 * sources (a direct `vitest run`), the build runs here.
 */
const ROOT = process.cwd();
const WORKER_MAIN = join(ROOT, 'dist/apps/worker/src/main.js');
const REDIS_URL = 'redis://127.0.0.1:6379';
const PREFIX = `sp-e2e-worker-${process.pid}-${Date.now()}`;
const owner = { namespace: 'e2e', name: 'worker' };

const newestMtime = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(
      newest,
      entry.isDirectory() ? newestMtime(path) : entry.name.endsWith('.ts') && !entry.name.includes('.spec.') ? statSync(path).mtimeMs : 0,
    );
  }, 0);

function ensureBuilt(): void {
  const sources = Math.max(
    newestMtime(join(ROOT, 'apps/worker/src')),
    newestMtime(join(ROOT, 'libs/language-model/src')),
    newestMtime(join(ROOT, 'libs/contracts/src')),
  );
  if (existsSync(WORKER_MAIN) && statSync(WORKER_MAIN).mtimeMs >= sources) return;
  // Emits even when another area fails to typecheck; tsc-alias then rewrites the @scaleplan paths.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  const alias = spawnSync('npx', ['tsc-alias', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (alias.status !== 0 || !existsSync(WORKER_MAIN)) throw new Error('could not build the worker into dist/');
}

const checkpointRoot = mkdtempSync(join(tmpdir(), 'scaleplan-e2e-ckpt-'));
const workers: ChildProcess[] = [];

function startWorker(extraEnv: Record<string, string> = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [WORKER_MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      REDIS_URL,
      SCALEPLAN_QUEUE_PREFIX: PREFIX,
      SCALEPLAN_CHECKPOINT_DIR: checkpointRoot,
      SCALEPLAN_TFJS_BACKEND: 'wasm',
      // Short enough for a quick takeover after kill -9, long enough for a step on a busy 2-core machine.
      SCALEPLAN_LOCK_DURATION_MS: '6000',
      SCALEPLAN_STALLED_INTERVAL_MS: '4000',
      LOG_LEVEL: 'info',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  workers.push(child);
  return { child, output: () => output, exited };
}

let connection: Redis;
let queue: Queue;
let events: QueueEvents;

const run = (runId: string, overrides: Partial<TrainRunInput> = {}): TrainRunInput => ({
  owner,
  runId,
  kind: 'sweep',
  params: 1e4,
  tokens: 200_000,
  seed: 7,
  ...overrides,
});
const add = (data: TrainRunInput): Promise<Job> => queue.add(JobName.TrainRun, data, { jobId: trainingJobId(owner, data.runId) });

beforeAll(async () => {
  ensureBuilt();
  connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(QueueName.Runs, { connection, prefix: PREFIX });
  events = new QueueEvents(QueueName.Runs, { connection: { url: REDIS_URL }, prefix: PREFIX });
  await events.waitUntilReady();
}, 300_000);

const killStragglers = (): void => {
  for (const child of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
};
// A failed test must not leave a worker behind that would take the next test's jobs.
afterEach(killStragglers);

afterAll(async () => {
  killStragglers();
  await events?.close();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  const leftovers = await connection.keys(`${PREFIX}:*`);
  if (leftovers.length > 0) await connection.del(...leftovers);
  await connection.quit();
  rmSync(checkpointRoot, { recursive: true, force: true });
});

describe('worker process (real Redis)', () => {
  let uninterrupted: TrainingOutcome;

  it('rejects invalid payloads with a reason naming the field and keeps serving', async () => {
    const worker = startWorker();
    const bad: Array<[TrainRunInput, RegExp]> = [
      [run('negative-n', { params: -5 }), /params/],
      [run('tiny-d', { tokens: 100 }), /tokens 100 is smaller than one batch/],
      // A corpus outside the data directory fails the payload check; a file of a data directory the worker lacks fails before anything is opened.
      [run('absolute-corpus', { corpus: '/etc/passwd' }), /corpus "\/etc\/passwd" is an absolute path/],
      [
        run('unknown-corpus', { corpus: 'no-such-corpus' }),
        /corpus "no-such-corpus" is a file of the data directory, but this worker has none/,
      ],
    ];
    for (const [data, reason] of bad) {
      const job = await add(data);
      await expect(job.waitUntilFinished(events, 120_000)).rejects.toThrow(reason);
      const failed = await queue.getJob(job.id!);
      expect(await failed!.getState()).toBe('failed');
      expect(failed!.attemptsMade).toBeLessThanOrEqual(1);
    }
    const law = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };
    const simulated = await add(run('simulated-after-bad', { params: 1e6, tokens: 2e7, simulate: { law, noise: 0.005, durationMs: 0 } }));
    const outcome = trainingOutcomeSchema.parse(await simulated.waitUntilFinished(events, 60_000));
    expect(outcome.simulated).toBe(true);
    expect(outcome.backend).toBe('simulated');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 300_000);

  it('trains N≈1e4 on exactly D≈2e5 tokens below the unigram entropy, streaming progress', async () => {
    const worker = startWorker();
    const progress: unknown[] = [];
    const job = await add(run('real-run'));
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }): void => {
      if (jobId === job.id) progress.push(data);
    };
    events.on('progress', onProgress);
    uninterrupted = trainingOutcomeSchema.parse(await job.waitUntilFinished(events, 600_000));
    events.off('progress', onProgress);
    const corpus = loadCorpus('moby-dick', 'byte', 64);
    expect(uninterrupted.status).toBe('completed');
    expect(uninterrupted.tokens).toBe(200_000);
    expect(uninterrupted.backend).toBe('wasm');
    expect(uninterrupted.simulated).toBe(false);
    expect(Math.abs(uninterrupted.params - 1e4) / 1e4).toBeLessThan(0.02);
    expect(uninterrupted.finalLoss!).toBeLessThan(unigramEntropy(corpus.train));
    expect(uninterrupted.curve.filter((p) => p.trainLoss !== undefined).length).toBeGreaterThanOrEqual(50);
    expect(uninterrupted.curve.filter((p) => p.evalLoss !== undefined).length).toBeGreaterThanOrEqual(6);
    expect(uninterrupted.curve.at(-1)).toMatchObject({ tokens: 200_000, evalLoss: uninterrupted.finalLoss });
    expect(progress.length).toBeGreaterThan(10);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 600_000);

  it('after kill -9 the job is picked up by another worker, resumes from its checkpoint and ends with the same loss', async () => {
    const first = startWorker();
    const job = await add(run('killed-run'));
    await new Promise<void>((resolve) => {
      const onProgress = ({ jobId, data }: { jobId: string; data: unknown }): void => {
        const event = data as { step: number; point?: { evalLoss?: number } };
        // Eval points are where checkpoints are written; kill just after one in the middle of the run.
        if (jobId === job.id && event.point?.evalLoss !== undefined && event.step >= 20) {
          events.off('progress', onProgress);
          resolve();
        }
      };
      events.on('progress', onProgress);
    });
    first.child.kill('SIGKILL');
    await first.exited;
    const second = startWorker();
    const outcome = trainingOutcomeSchema.parse(await job.waitUntilFinished(events, 600_000));
    expect(outcome.resumedFromStep, `first worker:\n${first.output()}\nsecond worker:\n${second.output()}`).toBeGreaterThanOrEqual(20);
    expect(outcome.tokens).toBe(200_000);
    expect(Math.abs(outcome.finalLoss! - uninterrupted.finalLoss!) / uninterrupted.finalLoss!).toBeLessThanOrEqual(1e-6);
    expect(outcome.curve.map((p) => p.evalLoss)).toEqual(uninterrupted.curve.map((p) => p.evalLoss));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(existsSync(join(checkpointRoot, encodeURIComponent(String(job.id))))).toBe(false); // released after completion
  }, 600_000);

  it('on SIGTERM hands the running job back to the queue and exits', async () => {
    const worker = startWorker();
    const law = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };
    const job = await add(run('sigterm-run', { simulate: { law, noise: 0, durationMs: 60_000 } }));
    await new Promise<void>((resolve) => {
      const onActive = ({ jobId }: { jobId: string }): void => {
        if (jobId !== job.id) return;
        events.off('active', onActive);
        resolve();
      };
      events.on('active', onActive);
    });
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await (await queue.getJob(job.id!))!.getState()).toBe('waiting');
    await queue.remove(job.id!);
  }, 120_000);

  it('exits by itself after SCALEPLAN_WORKER_IDLE_EXIT_SECONDS without work', async () => {
    const worker = startWorker({ SCALEPLAN_WORKER_IDLE_EXIT_SECONDS: '1' });
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('Stopped idle worker');
  }, 60_000);
});
