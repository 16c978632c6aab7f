// Stopping a run whose owner was deleted: the real worker process (dist/) training a real small model,
// cancelled through the control plane's own producer (RunQueue.cancel: marker key + pub/sub message), and
// the whole path through the control plane (DELETE of a study while its run trains on a local worker).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JobName,
  QueueName,
  runCancelKey,
  RUN_CANCEL_TTL_SECONDS,
  trainingJobId,
  trainingOutcomeSchema,
  type TrainRunInput,
} from '@scaleplan/contracts';
import { RunQueue } from '../../apps/control-plane/src/scheduling/run-queue.js';
import {
  deletePrefix,
  REDIS_URL,
  simulatedStudy,
  startTestControlPlane,
  TEST_LAW,
  TEST_TOKEN,
  uniquePrefix,
  waitFor,
} from '../support/e2e-harness.js';

const ROOT = process.cwd();
const WORKER_MAIN = join(ROOT, 'dist/apps/worker/src/main.js');
const owner = { namespace: 'e2e', name: 'cancel' };

/** Rebuilds dist/ when the worker's compiled cancellation code is older than its sources (a direct `vitest run`). */
function ensureBuilt(): void {
  const compiled = join(ROOT, 'dist/apps/worker/src/training/run-cancellations.js');
  const sources = ['worker.runtime.ts', 'training/training.processor.ts', 'training/run-cancellations.ts'].map(
    (path) => statSync(join(ROOT, 'apps/worker/src', path)).mtimeMs,
  );
  if (existsSync(WORKER_MAIN) && existsSync(compiled) && statSync(compiled).mtimeMs >= Math.max(...sources)) return;
  spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  const alias = spawnSync('npx', ['tsc-alias', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (alias.status !== 0 || !existsSync(WORKER_MAIN)) throw new Error('could not build the worker into dist/');
}

describe('cancelling a running run (real Redis, real worker process)', () => {
  const prefix = uniquePrefix('cancel');
  const checkpointRoot = mkdtempSync(join(tmpdir(), 'scaleplan-e2e-cancel-'));
  let redis: Redis;
  let queue: Queue;
  let events: QueueEvents;
  let producer: RunQueue;
  let worker: ChildProcess | undefined;
  let output = '';

  beforeAll(async () => {
    ensureBuilt();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(QueueName.Runs, { connection: { url: REDIS_URL }, prefix });
    events = new QueueEvents(QueueName.Runs, { connection: { url: REDIS_URL }, prefix });
    producer = new RunQueue({ url: REDIS_URL }, prefix, redis, { attempts: 3, backoffMs: 200 });
    await events.waitUntilReady();
    worker = spawn(process.execPath, [WORKER_MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        REDIS_URL,
        SCALEPLAN_QUEUE_PREFIX: prefix,
        SCALEPLAN_CHECKPOINT_DIR: checkpointRoot,
        SCALEPLAN_TFJS_BACKEND: 'wasm',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk) => (output += chunk));
    worker.stderr!.on('data', (chunk) => (output += chunk));
    await waitFor('the worker to start', () => output.includes('Started worker'), 60_000);
  }, 300_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await events?.close();
    await producer?.close();
    await queue?.close();
    redis?.disconnect();
    await deletePrefix(REDIS_URL, prefix);
    rmSync(checkpointRoot, { recursive: true, force: true });
  });

  const add = (runId: string, overrides: Partial<TrainRunInput> = {}): Promise<Job> => {
    const data: TrainRunInput = { owner, runId, kind: 'sweep', params: 1e4, tokens: 200_000, seed: 7, ...overrides };
    // attempts: 3, as the control plane enqueues: a cancelled run must fail for good, not be retried.
    return queue.add(JobName.TrainRun, data, { jobId: trainingJobId(owner, runId), attempts: 3, backoff: { type: 'fixed', delay: 200 } });
  };

  it('stops a training run within seconds, fails it for good with the reason, drops its checkpoint, then serves the next job', async () => {
    // ~5e6 tokens at N=1e4 is minutes of training here: it can only end early by being cancelled.
    const job = await add('long-real-run', { tokens: 5_000_000 });
    await new Promise<void>((resolve) => {
      const onProgress = ({ jobId, data }: { jobId: string; data: unknown }): void => {
        // The second held-out evaluation writes a checkpoint: wait for one to exist, so its removal is tested.
        if (
          jobId === job.id &&
          (data as { point?: { evalLoss?: number } }).point?.evalLoss !== undefined &&
          (data as { step: number }).step > 1
        ) {
          events.off('progress', onProgress);
          resolve();
        }
      };
      events.on('progress', onProgress);
    });
    const checkpointDir = join(checkpointRoot, encodeURIComponent(job.id!));
    expect(existsSync(checkpointDir)).toBe(true);

    const cancelledAt = Date.now();
    expect(await producer.cancel([job.id!], 'ScalingLaw e2e/cancel was deleted')).toEqual({ removed: 0, stopping: 1 });
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow('run cancelled: ScalingLaw e2e/cancel was deleted');
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    const failed = (await queue.getJob(job.id!))!;
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(1); // UnrecoverableError: no retry
    expect(failed.failedReason).toBe('run cancelled: ScalingLaw e2e/cancel was deleted');
    expect(existsSync(checkpointDir)).toBe(false);
    expect(await redis.exists(runCancelKey(prefix, job.id!))).toBe(0); // consumed: a later job with this id is not cancelled

    const next = await add('after-cancel', { simulate: { law: TEST_LAW, noise: 0, durationMs: 0 } });
    expect(trainingOutcomeSchema.parse(await next.waitUntilFinished(events, 30_000)).simulated).toBe(true);
    expect(worker!.exitCode).toBeNull();
  }, 300_000);

  it('fails a job at once when its cancellation marker exists as it starts (cancelled while being picked)', async () => {
    const jobId = trainingJobId(owner, 'picked-while-cancelled');
    await redis.set(runCancelKey(prefix, jobId), 'ComputeBudget e2e/cancel was deleted', 'EX', RUN_CANCEL_TTL_SECONDS);
    const job = await add('picked-while-cancelled');
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow('run cancelled: ComputeBudget e2e/cancel was deleted');
    expect((await queue.getJob(jobId))!.attemptsMade).toBe(1);
    expect(await redis.exists(runCancelKey(prefix, jobId))).toBe(0);
    expect(output).not.toMatch(/"jobId":"e2e\/cancel\/picked-while-cancelled"[^\n]*"msg":"Started TrainRun job"/);
  }, 60_000);
});

describe('deleting a study stops its running run (control plane, local worker processes)', () => {
  it('DELETE of a study with a run in training: the worker stops it within seconds with the reason', async () => {
    const prefix = uniquePrefix('cancel-cp');
    const cp = await startTestControlPlane({ prefix, redisUrl: REDIS_URL });
    const auth = { Authorization: `Bearer ${TEST_TOKEN}` };
    try {
      // One simulated run at a time that would take a minute: only a cancellation ends it within the test's time.
      await request(cp.url)
        .post('/api/v1/namespaces/default/scalinglaws')
        .set(auth)
        .send(
          simulatedStudy(
            'doomed',
            { budgets: [1e17, 1e18], sizesPerBudget: 3, simulate: { law: TEST_LAW, noise: 0, durationMs: 60_000 } },
            { maxConcurrentRuns: 1 },
          ),
        )
        .expect(201);
      const running = await waitFor(
        'a run to be training',
        async () =>
          (
            (await request(cp.url).get('/api/v1/namespaces/default/scalinglaws/doomed/runs').set(auth)).body.items as
              { runId: string; state: string }[] | undefined
          )?.find((r) => r.state === 'running'),
        60_000,
        100,
      );
      const jobId = trainingJobId({ namespace: 'default', name: 'doomed' }, running.runId);
      const deletedAt = Date.now();
      await request(cp.url).delete('/api/v1/namespaces/default/scalinglaws/doomed').set(auth).expect(202);
      const logFile = cp.config.tuning.workerLogFile!;
      // The local workers log at warn: the failure line carries the reason.
      const line = await waitFor(
        'the worker to cancel the run',
        () =>
          readFileSync(logFile, 'utf8')
            .split('\n')
            .find((l) => l.includes('"msg":"Failed TrainRun job"') && l.includes(JSON.stringify(jobId))),
        10_000,
        100,
      );
      expect(Date.now() - deletedAt).toBeLessThan(10_000);
      expect(JSON.parse(line)).toMatchObject({ jobId, reason: 'run cancelled: ScalingLaw default/doomed was deleted' });
      await waitFor(
        'the runs queue to hold nothing of the study',
        async () => {
          const depth = await cp.queue.depth();
          return depth.active + depth.waiting + depth.prioritized === 0;
        },
        10_000,
        100,
      );
      await request(cp.url).get('/api/v1/namespaces/default/scalinglaws/doomed').set(auth).expect(404);
    } finally {
      await cp.close();
      await deletePrefix(REDIS_URL, prefix);
    }
  }, 120_000);
});
