import { DEFAULT_QUEUE_PREFIX, JobName, QueueName, RunPriority } from '@scaleplan/contracts';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderChart, type Manifest } from './support/helm-render.js';

/**
 * KEDA's `redis` trigger reads a key's length with a type switch (LLEN for a list, ZCARD for a sorted
 * set, SCARD, HLEN; a missing key counts 0). This is the same switch, so the test measures exactly
 * what the ScaledObject the chart renders would see.
 */
async function kedaListLength(redis: Redis, key: string): Promise<number> {
  const type = await redis.type(key);
  switch (type) {
    case 'list':
    case 'none':
      return redis.llen(key);
    case 'zset':
      return redis.zcard(key);
    case 'set':
      return redis.scard(key);
    case 'hash':
      return redis.hlen(key);
    default:
      throw new Error(`KEDA cannot count a Redis ${type} (${key})`);
  }
}

const connection = { host: '127.0.0.1', port: 6379 };
const prefix = `sp-helm-test-${process.pid}-${Date.now()}`;
const redis = new Redis(connection);
const queue = new Queue(QueueName.Runs, { connection, prefix });
const worker = new Worker(QueueName.Runs, null, { connection, prefix, autorun: false });

let triggers: { name: string; metadata: { listName: string } }[] = [];

beforeAll(async () => {
  const { manifests } = await renderChart({ valuesYaml: [`queuePrefix: ${prefix}\nworker: {autoscaling: {enabled: true, mode: keda}}`] });
  triggers = (manifests.find((m) => m.kind === 'ScaledObject') as Manifest).spec.triggers;
  const owner = { namespace: 'default', name: 'helm-keys' };
  // As the control plane enqueues: every run carries a priority (final runs jump the queue).
  await queue.add(JobName.TrainRun, { owner, runId: 'final-0' }, { jobId: 'default/helm-keys/final-0', priority: RunPriority.Final });
  for (const runId of ['sweep-0', 'sweep-1', 'sweep-2'])
    await queue.add(JobName.TrainRun, { owner, runId }, { jobId: `default/helm-keys/${runId}`, priority: RunPriority.Sweep });
  // A worker picks up one job (the final run: lowest priority number first); it stays `active` while it trains.
  const active = await worker.getNextJob('helm-test-token');
  expect(active?.id).toBe('default/helm-keys/final-0');
  // A run waiting out a retry backoff sits in the `delayed` sorted set.
  await queue.add(
    JobName.TrainRun,
    { owner, runId: 'sweep-3' },
    { jobId: 'default/helm-keys/sweep-3', priority: RunPriority.Sweep, delay: 60_000 },
  );
  // Then one job without a priority, the only kind BullMQ puts on the `wait` list.
  await queue.add(JobName.TrainRun, { owner, runId: 'plain-0' }, { jobId: 'default/helm-keys/plain-0' });
});

afterAll(async () => {
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  const left = await redis.keys(`${prefix}:*`);
  if (left.length > 0) await redis.del(...left);
  redis.disconnect();
});

describe('the KEDA ScaledObject reads the keys BullMQ 6 actually writes', () => {
  it('names the chart default prefix and queue from libs/contracts', async () => {
    const { manifests } = await renderChart({ valuesYaml: ['worker: {autoscaling: {enabled: true, mode: keda}}'] });
    const names = (manifests.find((m) => m.kind === 'ScaledObject') as Manifest).spec.triggers.map(
      (t: { metadata: { listName: string } }) => t.metadata.listName,
    );
    expect(names).toEqual(['wait', 'prioritized', 'delayed', 'active'].map((key) => `${DEFAULT_QUEUE_PREFIX}:${QueueName.Runs}:${key}`));
  });

  it('finds each key with the Redis type KEDA can count', async () => {
    const types = Object.fromEntries(await Promise.all(triggers.map(async (t) => [t.name, await redis.type(t.metadata.listName)])));
    expect(types).toEqual({ wait: 'list', prioritized: 'zset', delayed: 'zset', active: 'list' });
  });

  it('adds up to BullMQ’s own count of queued, delayed and running jobs', async () => {
    const seen = Object.fromEntries(
      await Promise.all(triggers.map(async (t) => [t.name, await kedaListLength(redis, t.metadata.listName)])),
    );
    expect(seen).toEqual({ wait: 1, prioritized: 3, delayed: 1, active: 1 });
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
    expect(seen.wait + seen.prioritized + seen.delayed + seen.active).toBe(
      counts.waiting! + counts.prioritized! + counts.delayed! + counts.active!,
    );
  });

  it('shows why the classic single `wait` trigger is wrong here: it misses every prioritized run', async () => {
    const waitOnly = await kedaListLength(redis, `${prefix}:${QueueName.Runs}:wait`);
    expect(waitOnly).toBe(1);
    expect(await queue.getPrioritizedCount()).toBe(3);
    // The key KEDA users often guess from Bull 3 (`bull:<queue>:wait`) does not exist at all.
    expect(await redis.type(`bull:${QueueName.Runs}:wait`)).toBe('none');
  });
});
