import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScalingLawFitState } from './fit-state.js';
import { FitStore } from './fit-store.js';
import { deleteKeysWithPrefix } from '../redis/redis-connection.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `spec-fits-${Date.now().toString(36)}`;
const ref = (name: string) => ({ namespace: 'default', name });
const state = { runIds: ['r1'], methods: [] } as unknown as ScalingLawFitState;

describe('FitStore cache (real Redis)', () => {
  let redis: Redis;
  let store: FitStore;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    store = new FitStore(redis, prefix);
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  it('keeps no entry for studies without a fit, however many are asked for', async () => {
    for (let i = 0; i < 50; i++) expect(await store.get(ref(`unknown-${i}`))).toBeUndefined();
    expect(store.cachedStudies).toBe(0);
  });

  it('drops the entry of a deleted study, and of a forgotten one (its fit stays in Redis)', async () => {
    await store.put(ref('a'), state);
    await store.put(ref('b'), state);
    expect(store.cachedStudies).toBe(2);
    await store.delete(ref('a'));
    store.forget(ref('b'));
    expect(store.cachedStudies).toBe(0);
    expect(await store.get(ref('a'))).toBeUndefined();
    expect(await store.get(ref('b'))).toEqual(state);
  });

  it('does not cache a read that raced a delete', async () => {
    await store.put(ref('c'), state);
    store.forget(ref('c'));
    const read = store.get(ref('c'));
    await store.delete(ref('c'));
    await read;
    expect(store.cachedStudies).toBe(1); // only 'b' from the test above
    expect(await store.get(ref('c'))).toBeUndefined();
  });
});
