import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneError } from '../../control-plane.errors.js';
import { deleteKeysWithPrefix } from '../../redis/redis-connection.js';
import type { RunQueue } from '../../scheduling/run-queue.js';
import { RunReportController } from './run-report.controller.js';
import { RunReportStore } from './run-report-store.js';

const prefix = `spec-run-reports-${process.pid}-${Date.now().toString(36)}`;
let redis: Redis;
let store: RunReportStore;
const claim = { jobId: 'ns/law/c1e15-n1', attempt: 2, jobName: 'law-c1e15-n1-abcdef-a2', namespace: 'ns' };

beforeAll(async () => {
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  store = new RunReportStore(redis, prefix);
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('RunReportStore', () => {
  it('issues a token for one attempt, stores only its hash, and revokes it with the attempt', async () => {
    const token = await store.issueToken(claim, 60);
    expect(await store.verify(token)).toEqual(claim);
    expect(await store.hasToken(claim.jobId, claim.attempt)).toBe(true);
    expect(await redis.keys(`${prefix}:*${token}*`)).toEqual([]);
    await store.revoke(claim.jobId, claim.attempt);
    expect(await store.verify(token)).toBeUndefined();
    expect(await store.hasToken(claim.jobId, claim.attempt)).toBe(false);
    expect(await store.verify('')).toBeUndefined();
  });

  it('lets a token expire with its run deadline', async () => {
    const token = await store.issueToken({ ...claim, attempt: 3 }, 1);
    expect(await store.verify(token)).toBeDefined();
    await new Promise((r) => setTimeout(r, 1100));
    expect(await store.verify(token)).toBeUndefined();
  });

  it('keeps the first result of an attempt and the progress points in order', async () => {
    const c = { ...claim, attempt: 4 };
    await store.addProgress(c, { scaleplan: 'progress', step: 1, tokens: 10 });
    await store.addProgress(c, { scaleplan: 'progress', step: 2, tokens: 20 });
    expect(await store.setResult(c, { scaleplan: 'result', status: 'completed', finalLoss: 3 })).toBe(true);
    expect(await store.setResult(c, { scaleplan: 'result', status: 'completed', finalLoss: 1 })).toBe(false);
    const reports = await store.reports(c.jobId, c.attempt);
    expect(reports.result?.finalLoss).toBe(3);
    expect(reports.progress.map((p) => p.step)).toEqual([1, 2]);
  });
});

describe('RunReportController (POST /api/v1/runs/report)', () => {
  const queue = { queue: {} } as unknown as RunQueue; // progress for a job that is not in BullMQ is stored only
  const controller = () => new RunReportController(store, queue);
  const codeOf = async (call: Promise<unknown>) => {
    try {
      await call;
      return 'ok';
    } catch (error) {
      return (error as ControlPlaneError).code;
    }
  };

  it('refuses a missing, unknown or revoked token (401) and an invalid report (422), and counts one result per attempt (409)', async () => {
    const c = { ...claim, attempt: 5 };
    const token = await store.issueToken(c, 60);
    const result = { scaleplan: 'result', finalLoss: 2.5 };
    expect(await codeOf(controller().report(undefined, result))).toBe('Unauthorized');
    expect(await codeOf(controller().report('Bearer nope', result))).toBe('Unauthorized');
    expect(await codeOf(controller().report(`Bearer ${token}`, { scaleplan: 'result', finalLoss: 'low' }))).toBe('Invalid');
    expect(await codeOf(controller().report(`Bearer ${token}`, { loss: 2 }))).toBe('Invalid');
    expect(await controller().report(`Bearer ${token}`, result)).toEqual({ accepted: true });
    expect(await codeOf(controller().report(`Bearer ${token}`, result))).toBe('Conflict');
    expect((await store.reports(c.jobId, c.attempt)).result?.finalLoss).toBe(2.5);
    await store.revoke(c.jobId, c.attempt);
    expect(await codeOf(controller().report(`Bearer ${token}`, result))).toBe('Unauthorized');
  });
});
