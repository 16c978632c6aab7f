import { Redis, type RedisOptions } from 'ioredis';
import { ControlPlaneError } from '../control-plane.errors.js';

/** DI token of the shared ioredis client (stores, run records, fits). */
export const REDIS = Symbol('REDIS');

/**
 * A client that keeps reconnecting forever (the control plane must survive a Redis restart) but fails
 * each command after one reconnection attempt instead of hanging, so reconciles error out and retry.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(2000, 100 * attempt),
    lazyConnect: true,
    enableAutoPipelining: true,
    ...options,
  });
}

/**
 * Connects and pings within `timeoutMs`; throws a `ControlPlaneError('Unavailable')` that names the URL,
 * so an unreachable Redis at start is a clear error rather than an endless reconnect loop.
 */
export async function connectOrFail(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  const redacted = url.replace(/\/\/[^@]*@/, '//***@');
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        if (redis.status === 'wait') await redis.connect();
        await redis.ping();
      })(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    throw new ControlPlaneError('Unavailable', `Cannot reach Redis at ${redacted} (REDIS_URL): ${(error as Error).message}`, [], {
      cause: error,
    });
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/**
 * Deletes every key under `prefix:` (SCAN + UNLINK, so a large prefix neither blocks Redis nor is read
 * into memory at once). Used to clean up after demos, tests and benchmarks that run under their own prefix.
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string, batch = 1000): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', batch);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}
