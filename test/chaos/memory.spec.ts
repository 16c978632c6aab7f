import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import {
  deletePrefix,
  REDIS_URL,
  simulatedStudy,
  startTestControlPlane,
  TEST_AUTH,
  uniquePrefix,
  waitFor,
} from '../support/e2e-harness.js';
import { printChaosTable } from './faults-table.js';

// 10,000 create/delete cycles through the REST API of one control plane (in this process, so that its
// heap can be collected before each reading): afterwards RSS is back within 10% of where it started and
// no key of a deleted object is left in Redis. Every tenth object is a sweep study whose runs are planned
// and queued (run store, BullMQ jobs), the others are ComputeBudgets on a preset.

const CYCLES = Number(process.env.CHAOS_CYCLES ?? 10_000);
const WARMUP_CYCLES = 500;
const IN_FLIGHT = 16;

setFlagsFromString('--expose_gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('memory under 10,000 create/delete cycles (real Redis, no workers)', () => {
  const prefix = uniquePrefix('chaos-memory');
  let cp: RunningControlPlane;
  let redis: Redis;

  beforeAll(async () => {
    cp = await startTestControlPlane({ prefix, redisUrl: REDIS_URL, tuning: { disableDispatch: true } });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await cp?.close();
    await deletePrefix(REDIS_URL, prefix);
    redis?.disconnect();
  });

  const call = async (method: string, path: string, body?: unknown): Promise<number> => {
    const response = await fetch(`${cp.url}${path}`, {
      method,
      headers: { ...TEST_AUTH, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    await response.arrayBuffer();
    return response.status;
  };

  /** Creates and deletes one object; every tenth is a sweep study. */
  const cycle = async (index: number): Promise<void> => {
    const name = `m-${index}`;
    if (index % 10 === 0) {
      const study = simulatedStudy(name, { budgets: [1e17, 1e18], sizesPerBudget: 3 }, { maxConcurrentRuns: 2 });
      expect(await call('POST', '/api/v1/namespaces/chaos/scalinglaws', { ...study, metadata: { name, namespace: 'chaos' } })).toBe(201);
      expect([200, 202]).toContain(await call('DELETE', `/api/v1/namespaces/chaos/scalinglaws/${name}`));
      return;
    }
    const budget = { kind: 'ComputeBudget', metadata: { name, namespace: 'chaos' }, spec: { flops: 1e21, preset: 'chinchilla-2022' } };
    expect(await call('POST', '/api/v1/namespaces/chaos/computebudgets', budget)).toBe(201);
    expect([200, 202]).toContain(await call('DELETE', `/api/v1/namespaces/chaos/computebudgets/${name}`));
  };

  const runCycles = async (from: number, count: number): Promise<void> => {
    let next = from;
    const lane = async () => {
      while (next < from + count) await cycle(next++);
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    // Deletion finishes in the reconcilers (finalizers): wait until nothing is left, then until they are idle.
    await waitFor(
      'every object to be gone',
      async () => (await cp.laws.list('chaos')).length + (await cp.budgets.list('chaos')).length === 0,
      120_000,
      200,
    );
    await cp.settle();
  };

  const measure = async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let i = 0; i < 3; i++) collectGarbage();
    const { rss, heapUsed } = process.memoryUsage();
    const keys = (await redis.keys(`${prefix}:*`)).sort();
    return { rss, heapUsed, keys };
  };

  it('RSS comes back within 10% and no keys are left', { timeout: 900_000 }, async () => {
    await runCycles(0, WARMUP_CYCLES);
    const before = await measure();
    const started = performance.now();
    await runCycles(WARMUP_CYCLES, CYCLES);
    const seconds = (performance.now() - started) / 1000;
    const after = await measure();
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
    const rssRatio = after.rss / before.rss;
    const leftKeys = after.keys.filter((key) => !before.keys.includes(key));
    printChaosTable('chaos: memory (10,000 create/delete cycles through REST)', [
      { scenario: 'cycles', figure: 'objects created and deleted', value: `${CYCLES} in ${seconds.toFixed(1)} s`, bound: '', ok: true },
      {
        scenario: 'memory',
        figure: 'RSS before → after',
        value: `${mb(before.rss)} → ${mb(after.rss)} (×${rssRatio.toFixed(3)})`,
        bound: '≤ ×1.10',
        ok: rssRatio <= 1.1,
      },
      {
        scenario: 'memory',
        figure: 'heap used before → after',
        value: `${mb(before.heapUsed)} → ${mb(after.heapUsed)}`,
        bound: '(printed)',
        ok: true,
      },
      {
        scenario: 'redis',
        figure: 'keys before → after',
        value: `${before.keys.length} → ${after.keys.length}`,
        bound: 'equal',
        ok: leftKeys.length === 0 && after.keys.length === before.keys.length,
      },
      {
        scenario: 'caches',
        figure: 'run store owners / fit store studies cached',
        value: `${cp.runs.cachedOwners} / ${cp.fits.cachedStudies}`,
        bound: '0 / 0',
        ok: cp.runs.cachedOwners === 0 && cp.fits.cachedStudies === 0,
      },
    ]);
    process.stdout.write(`keys kept across cycles (one per prefix): ${after.keys.map((key) => key.slice(prefix.length + 1)).join(', ')}\n`);
    expect(leftKeys).toEqual([]);
    expect(after.keys).toHaveLength(before.keys.length);
    expect(cp.runs.cachedOwners).toBe(0);
    expect(cp.fits.cachedStudies).toBe(0);
    expect(rssRatio).toBeLessThanOrEqual(1.1);
  });
});
