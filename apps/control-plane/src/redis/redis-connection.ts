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

/** Connection options BullMQ wants for its blocking clients (Worker, QueueEvents). */
export function bullConnection(url: string): RedisOptions & { url: string } {
  return { url, maxRetriesPerRequest: null, retryStrategy: (attempt: number) => Math.min(2000, 100 * attempt) } as RedisOptions & { url: string };
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
    throw new ControlPlaneError('Unavailable', `Cannot reach Redis at ${redacted} (REDIS_URL): ${(error as Error).message}`, [], { cause: error });
  } finally {
    if (timer) clearTimeout(timer);
  }
}
