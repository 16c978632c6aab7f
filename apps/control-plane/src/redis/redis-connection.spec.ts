import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeysWithPrefix } from './redis-connection.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `spec-prefix-${Date.now().toString(36)}`;

describe('deleteKeysWithPrefix (real Redis)', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('deletes every key under the prefix across several SCAN pages, and nothing else', async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 250; i++) pipeline.set(`${prefix}:a:${i}`, '1');
    pipeline.set(`${prefix}-other:kept`, '1'); // shares the text, not the `prefix:` namespace
    pipeline.set(prefix, '1'); // the bare prefix is not under it either
    await pipeline.exec();
    await deleteKeysWithPrefix(redis, prefix, 10);
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    expect((await redis.keys(`${prefix}*`)).sort()).toEqual([prefix, `${prefix}-other:kept`]);
  });
});
