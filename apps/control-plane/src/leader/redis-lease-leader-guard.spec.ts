import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LeadershipHandlers } from './leader-guard.js';
import { RedisLeaseLeaderGuard } from './redis-lease-leader-guard.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const silent = pino({ level: 'silent' });

/** Records the handler calls of one guard. */
function recorder(): LeadershipHandlers & { events: string[] } {
  const events: string[] = [];
  return { events, onStartedLeading: () => events.push('started'), onStoppedLeading: (reason) => events.push(`stopped: ${reason}`) };
}

const until = async (what: string, check: () => boolean, timeoutMs = 5000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('RedisLeaseLeaderGuard (real Redis)', () => {
  let redis: Redis;
  const key = `spec-leader-${Date.now().toString(36)}:cp:leader`;
  const guards: RedisLeaseLeaderGuard[] = [];
  const guard = (identity: string, leaseMs = 600): RedisLeaseLeaderGuard => {
    const created = new RedisLeaseLeaderGuard(redis, { key, leaseMs, identity }, silent);
    guards.push(created);
    return created;
  };
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    for (const g of guards.splice(0)) await g.stop();
    await redis.del(key);
  });
  afterAll(() => redis.disconnect());

  it('the first leads when start returns; the second waits as standby and says who leads', async () => {
    const first = recorder();
    const a = guard('cp-a');
    await a.start(first);
    expect(a.isLeader()).toBe(true);
    expect(first.events).toEqual(['started']);
    const second = recorder();
    const b = guard('cp-b');
    await b.start(second);
    expect(b.isLeader()).toBe(false);
    expect(b.status()).toMatchObject({ state: 'standby', holder: 'cp-a' });
    expect(b.status().message).toMatch(/Standby: control plane cp-a holds the single-writer lease/);
    expect(second.events).toEqual([]);
  });

  it('a clean stop hands the lease over at once', async () => {
    const a = guard('cp-a', 60_000);
    await a.start(recorder());
    const second = recorder();
    const b = guard('cp-b', 60_000);
    await b.start(second);
    await a.stop();
    expect(await redis.get(key)).toBeNull();
    // b's next attempt comes a third of the lease later; a standby with a long lease would wait that long.
    const c = guard('cp-c', 300);
    const third = recorder();
    await c.start(third);
    expect(c.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
  });

  it('a crashed leader (no more renewals) is replaced once its lease expires', async () => {
    await redis.set(key, 'crashed-cp', 'PX', 400);
    const standby = recorder();
    const b = guard('cp-b', 300);
    await b.start(standby);
    expect(b.status().state).toBe('standby');
    await until('the standby to take over', () => b.isLeader());
    expect(standby.events).toEqual(['started']);
  });

  it('keeps renewing: a leader stays leader well past its lease', async () => {
    const a = guard('cp-a', 300);
    await a.start(recorder());
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(a.isLeader()).toBe(true);
    expect(await redis.get(key)).toBe('cp-a');
  });

  it('a leader that finds another holder stops leading for good', async () => {
    const events = recorder();
    const a = guard('cp-a', 300);
    await a.start(events);
    await redis.set(key, 'usurper', 'PX', 60_000);
    await until('the leader to notice', () => a.status().state === 'lost');
    expect(events.events).toEqual(['started', `stopped: control plane usurper took the single-writer lease ${key}`]);
    await redis.del(key);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(a.isLeader()).toBe(false);
  });

  it('keeps leading while Redis is unreachable (nobody else can take the lease meanwhile)', async () => {
    const own = new Redis(REDIS_URL, { maxRetriesPerRequest: 0 });
    own.on('error', () => undefined);
    const events = recorder();
    const a = new RedisLeaseLeaderGuard(own, { key, leaseMs: 300, identity: 'cp-a' }, silent);
    await a.start(events);
    expect(a.isLeader()).toBe(true);
    own.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(a.isLeader()).toBe(true);
    expect(events.events).toEqual(['started']);
    await a.stop();
  });

  it('says it waits for Redis when it cannot campaign at all', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    unreachable.on('error', () => undefined);
    const cut = new RedisLeaseLeaderGuard(unreachable, { key, leaseMs: 300, identity: 'cp-cut' }, silent);
    await cut.start(recorder());
    expect(cut.status()).toMatchObject({ state: 'campaigning' });
    expect(cut.status().message).toMatch(/Waiting for Redis/);
    await cut.stop();
    unreachable.disconnect();
  });
});
