import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ReconcileQueue } from './reconcile-queue.js';

const log = pino({ level: 'silent' });
const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ReconcileQueue', () => {
  it('never runs two reconciles of one key at once and coalesces triggers', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const queue = new ReconcileQueue(async () => {
      running += 1;
      calls += 1;
      maxRunning = Math.max(maxRunning, running);
      await tick(20);
      running -= 1;
    }, log);
    queue.enqueue('a');
    await tick(1);
    for (let i = 0; i < 10; i++) queue.enqueue('a'); // while running: exactly one more run
    await tick(100);
    await queue.whenIdle();
    expect(maxRunning).toBe(1);
    expect(calls).toBe(2);
  });

  it('coalesces triggers of a key that is still pending', async () => {
    const seen: string[] = [];
    const queue = new ReconcileQueue(
      async (key) => {
        seen.push(key);
      },
      log,
      { concurrency: 1 },
    );
    queue.enqueue('a');
    queue.enqueue('b');
    queue.enqueue('b');
    queue.enqueue('b');
    await queue.whenIdle();
    expect(seen).toEqual(['a', 'b']);
  });

  it('retries an unexpected error with backoff until it succeeds', async () => {
    let attempts = 0;
    const queue = new ReconcileQueue(
      async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('Redis is unavailable');
      },
      log,
      { baseBackoffMs: 5 },
    );
    queue.enqueue('a');
    for (let i = 0; i < 50 && attempts < 3; i++) await tick(10);
    await queue.whenIdle();
    expect(attempts).toBe(3);
    await queue.close();
  });

  it('runs different keys concurrently up to the limit', async () => {
    let running = 0;
    let maxRunning = 0;
    const queue = new ReconcileQueue(
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await tick(10);
        running -= 1;
      },
      log,
      { concurrency: 2 },
    );
    for (const key of ['a', 'b', 'c', 'd']) queue.enqueue(key);
    await tick(5);
    await queue.whenIdle();
    expect(maxRunning).toBe(2);
  });
});
