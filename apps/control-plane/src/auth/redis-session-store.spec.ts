import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from './redis-session-store.js';
import { deleteKeysWithPrefix } from '../redis/redis-connection.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `spec-sessions-${Date.now().toString(36)}`;

describe('RedisSessionStore (real Redis)', () => {
  let redis: Redis;
  let store: RedisSessionStore;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
    store = new RedisSessionStore(redis, prefix);
  });
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  it('keeps a session under a hash of its id, with the cookie lifetime, until it is revoked', async () => {
    await store.create('session-id-1', 'fingerprint', 60);
    expect(await store.fingerprintOf('session-id-1')).toBe('fingerprint');
    const [key] = await redis.keys(`${prefix}:cp:sessions:*`);
    expect(key).not.toContain('session-id-1');
    expect(await redis.ttl(key!)).toBeGreaterThan(50);
    await store.revoke('session-id-1');
    expect(await store.fingerprintOf('session-id-1')).toBeUndefined();
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it('answers Unavailable (503), not a failed login, when Redis cannot be reached', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    await expect(new RedisSessionStore(down, prefix).fingerprintOf('x')).rejects.toMatchObject({ code: 'Unavailable' });
    down.disconnect();
  });
});
