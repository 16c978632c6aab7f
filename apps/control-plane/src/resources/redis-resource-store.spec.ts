import { ResourceKind, scalingLawSchema, type ScalingLaw } from '@scaleplan/contracts';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisResourceStore } from './redis-resource-store.js';
import type { ResourceChange } from './resource-store.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `spec-store-${Date.now().toString(36)}`;
const law = (name: string): ScalingLaw => scalingLawSchema.parse({ metadata: { name }, spec: { preset: 'chinchilla-2022' } });

describe('RedisResourceStore (real Redis)', () => {
  let redis: Redis;
  let store: RedisResourceStore<ScalingLaw>;
  const changes: ResourceChange<ScalingLaw>[] = [];
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    store = new RedisResourceStore<ScalingLaw>(redis, prefix, ResourceKind.ScalingLaw, 'scalinglaws');
    store.onChange((change) => changes.push(change));
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('creates with generation 1 and refuses a duplicate with AlreadyExists', async () => {
    const created = await store.create(law('a'));
    expect(created.metadata).toMatchObject({ generation: 1, namespace: 'default', finalizers: [] });
    expect(created.metadata.uid).toBeTruthy();
    await expect(store.create(law('a'))).rejects.toMatchObject({ code: 'AlreadyExists' });
    expect(changes.at(-1)?.type).toBe('added');
  });

  it('bumps the generation on a spec change only, and patchStatus never touches the spec', async () => {
    const same = await store.updateSpec({ namespace: 'default', name: 'a' }, law('a').spec);
    expect(same.metadata.generation).toBe(1);
    const changed = await store.updateSpec({ namespace: 'default', name: 'a' }, { ...law('a').spec, preset: 'epoch-2024' });
    expect(changed.metadata.generation).toBe(2);
    const patched = await store.patchStatus({ namespace: 'default', name: 'a' }, { phase: 'Ready', observedGeneration: 2 });
    expect(patched.spec.preset).toBe('epoch-2024');
    expect(patched.metadata.generation).toBe(2);
    expect(patched.status?.phase).toBe('Ready');
  });

  it('deletes through finalizers: deletionTimestamp first, gone when the last finalizer goes', async () => {
    const ref = { namespace: 'default', name: 'a' };
    await store.addFinalizer(ref, 'scaleplan.dev/runs');
    const deleting = await store.requestDelete(ref);
    expect(deleting?.metadata.deletionTimestamp).toBeTruthy();
    expect(await store.list()).toHaveLength(1);
    expect(await store.removeFinalizer(ref, 'scaleplan.dev/runs')).toBeUndefined();
    expect(await store.get(ref)).toBeUndefined();
    expect(changes.at(-1)?.type).toBe('deleted');
    await expect(store.requestDelete(ref)).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('lists by namespace', async () => {
    await store.create(law('b'));
    await store.create({ ...law('c'), metadata: { ...law('c').metadata, namespace: 'other' } });
    expect((await store.list('other')).map((l) => l.metadata.name)).toEqual(['c']);
    expect((await store.list()).map((l) => l.metadata.name).sort()).toEqual(['b', 'c']);
  });

  it('pages a list by namespace then name, reading only the page, each object once', async () => {
    for (const name of ['p1', 'p2', 'p3', 'p4'])
      await store.create({ ...law(name), metadata: { ...law(name).metadata, namespace: 'paged' } });
    const first = await store.listPage('paged', { limit: 3 });
    expect(first.items.map((l) => l.metadata.name)).toEqual(['p1', 'p2', 'p3']);
    expect(first).toMatchObject({ remaining: 1, next: ['paged', 'p3'] });
    const last = await store.listPage('paged', { limit: 3, after: first.next });
    expect(last.items.map((l) => l.metadata.name)).toEqual(['p4']);
    expect(last.next).toBeUndefined();
    const all = await store.listPage(undefined, { limit: 100 });
    expect(all.items.map((l) => `${l.metadata.namespace}/${l.metadata.name}`)).toEqual([
      'default/b',
      'other/c',
      'paged/p1',
      'paged/p2',
      'paged/p3',
      'paged/p4',
    ]);
  });
});
