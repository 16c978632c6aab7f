import type { RunRecord } from '@scaleplan/contracts';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from './run-store.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `spec-runs-${Date.now().toString(36)}`;
const owner = (name: string) => ({ namespace: 'default', name });
const run = (name: string, runId: string): RunRecord => ({
  runId,
  owner: owner(name),
  ownerKind: 'ScalingLaw',
  kind: 'sweep',
  budgetFlops: 1e17,
  params: 1e5,
  tokens: 1e6,
  shape: { layers: 2, modelDim: 64, heads: 2, headDim: 32, ffDim: 256, vocabSize: 256, sequenceLength: 64 },
  seed: 0,
  state: 'planned',
  attempts: 0,
  simulated: true,
  plannedAt: new Date(0).toISOString(),
});

describe('RunStore cache (real Redis)', () => {
  let redis: Redis;
  let store: RunStore;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    store = new RunStore(redis, prefix);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('drops the cache entry of a deleted owner, and keeps none for owners that have no runs', async () => {
    await store.putMany('ScalingLaw', owner('a'), [run('a', 'r1'), run('a', 'r2')]);
    expect(store.cachedOwners).toBe(1);
    expect(await store.list('ScalingLaw', owner('never-created'))).toEqual([]);
    expect(await store.listWithCurves('ComputeBudget', owner('never-created'))).toEqual([]);
    expect(store.cachedOwners).toBe(1);
    await store.deleteOwner('ScalingLaw', owner('a'));
    expect(store.cachedOwners).toBe(0);
    expect(await store.list('ScalingLaw', owner('a'))).toEqual([]);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it('reads a record stored before records carried paramsTotal with the total of its shape', async () => {
    const { paramsTotal: _none, ...legacy } = run('legacy', 'r1');
    await redis.hset(`${prefix}:cp:runs:ScalingLaw:default/legacy`, 'r1', JSON.stringify(legacy));
    const [read] = await store.list('ScalingLaw', owner('legacy'));
    // 2 layers of width 64 (MLP 256) plus the final LayerNorm; token table, output head and positions.
    expect(read).toEqual({ ...legacy, paramsTotal: 2 * (12 * 64 * 64 + 13 * 64) + 2 * 64 + 2 * 256 * 64 + 64 * 64 });
    await store.deleteOwner('ScalingLaw', owner('legacy'));
  });

  it('forget drops the entry but the runs stay in Redis (results kept)', async () => {
    await store.putMany('ScalingLaw', owner('kept'), [run('kept', 'r1')]);
    store.forget('ScalingLaw', owner('kept'));
    expect(store.cachedOwners).toBe(0);
    expect((await store.list('ScalingLaw', owner('kept'))).map((r) => r.runId)).toEqual(['r1']);
  });

  it('a first write of a new owner is cached and read back for compare-and-set', async () => {
    await store.putMany('ScalingLaw', owner('b'), [run('b', 'r1')]);
    const changed = await store.update('ScalingLaw', owner('b'), ['r1', 'missing'], (r) => ({ ...r, state: 'queued' }));
    expect(changed.map((r) => r.runId)).toEqual(['r1']);
    expect((await store.get('ScalingLaw', owner('b'), 'r1'))?.state).toBe('queued');
  });
});
