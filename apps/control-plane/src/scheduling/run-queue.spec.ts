import { QueueName, type TrainRunInput } from '@scaleplan/contracts';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunQueue } from './run-queue.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `spec-runqueue-${process.pid}-${Date.now().toString(36)}`;
const owner = { namespace: 'default', name: 'study' };
const run = (runId: string) => ({ data: { owner, runId } as unknown as TrainRunInput, priority: 10 });
const jobId = (runId: string) => `default/study/${runId}`;

async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('RunQueue keeps the last collected jobs for bull-board (real Redis)', () => {
  let redis: Redis;
  let queue: RunQueue;
  let worker: Worker;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    queue = new RunQueue({ url: REDIS_URL }, prefix, redis, { attempts: 1, backoffMs: 10 }, 2);
    worker = new Worker(QueueName.Runs, async () => ({ ok: true }), { connection: { url: REDIS_URL }, prefix });
    await queue.enqueue(['a', 'b', 'c'].map(run));
    await until('three completed jobs', async () => ((await queue.finished('completed', 10)).length === 3 ? true : undefined));
  });

  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('keeps the newest collected jobs as completed in BullMQ, removes the older ones, and never collects a kept job again', async () => {
    const collected = await queue.finished('completed', 10);
    await queue.retireFinishedJobs(
      'completed',
      collected.map((job) => job.id),
    );
    // bull-board reads BullMQ: two completed jobs remain there.
    expect(await queue.queue.getJobCountByTypes('completed')).toBe(2);
    expect(await redis.exists(`${prefix}:${QueueName.Runs}:${collected[0]!.id}`)).toBe(0);
    // …but nothing is left to collect, nothing counts as awaiting collection, and no kept job passes for a live one.
    expect(await queue.finished('completed', 10)).toEqual([]);
    expect((await queue.depth()).completed).toBe(0);
    expect(await queue.existing(['a', 'b', 'c'].map(jobId))).toEqual(new Set());
  });

  it('takes a run re-added under a kept job id (a study deleted and re-created) as new, not as a duplicate', async () => {
    const kept = (await queue.queue.getJobs(['completed'])).map((job) => job.id!);
    expect(kept).toHaveLength(2);
    await worker.pause();
    await queue.enqueue([run(kept[0]!.split('/')[2]!)]);
    expect(await queue.queue.getJobState(kept[0]!)).toMatch(/waiting|prioritized/);
    expect(await queue.existing([kept[0]!])).toEqual(new Set([kept[0]]));
    expect(await queue.queue.getJobCountByTypes('completed')).toBe(1);
  });
});
