import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import {
  deletePrefix,
  REDIS_URL,
  simulatedStudy,
  startTestControlPlane,
  TEST_LAW,
  TEST_TOKEN,
  uniquePrefix,
  waitFor,
} from '../support/e2e-harness.js';

/**
 * Acceptance (issue 4): a simulated study with known parameters and 200 runs recovers them within the
 * intervals it reports. Runs go through the whole path: planner → BullMQ → worker process (simulated)
 * → result store → debounced refits with bootstrap intervals.
 */
describe('acceptance: a 200-run simulated study recovers its hidden law', () => {
  const prefix = uniquePrefix('acceptance');
  let cp: RunningControlPlane | undefined;
  afterAll(async () => {
    await cp?.close();
    await deletePrefix(REDIS_URL, prefix);
  });

  it('reports intervals that contain the true exponents and loss-law parameters', async () => {
    cp = await startTestControlPlane({ prefix, redisUrl: REDIS_URL });
    const study = simulatedStudy(
      'hidden',
      {
        budgets: undefined,
        budgetRange: { min: 1e17, max: 1e20, count: 8 },
        sizesPerBudget: 25,
        spanDecades: 1.5,
        simulate: { law: TEST_LAW, noise: 0.005, durationMs: 0 },
      },
      { maxConcurrentRuns: 200, fit: { methods: [2, 3], primaryMethod: 3, bootstrap: 60, confidence: 0.8 } },
    );
    await request(cp.url)
      .post('/api/v1/namespaces/default/scalinglaws')
      .set({ Authorization: `Bearer ${TEST_TOKEN}` })
      .send(study)
      .expect(201);
    const status = await waitFor(
      'the study to be fitted on every run',
      async () => {
        const body = (
          await request(cp!.url)
            .get('/api/v1/namespaces/default/scalinglaws/hidden')
            .set({ Authorization: `Bearer ${TEST_TOKEN}` })
        ).body;
        return body.status?.phase === 'Ready' ? body.status : undefined;
      },
      180_000,
      500,
    );
    expect(status.runs.succeeded).toBe(200);
    const approach3 = status.fits.find((f: { method: number }) => f.method === 3);
    expect(approach3.runs).toBe(200);
    expect(approach3.converged).toBe(true);
    const trueA = TEST_LAW.dataExponent / (TEST_LAW.paramExponent + TEST_LAW.dataExponent);
    const within = (value: number, [low, high]: [number, number]): void => {
      expect(value).toBeGreaterThanOrEqual(low);
      expect(value).toBeLessThanOrEqual(high);
    };
    within(trueA, approach3.aInterval);
    within(1 - trueA, approach3.bInterval);
    for (const key of ['irreducibleLoss', 'paramCoeff', 'dataCoeff', 'paramExponent', 'dataExponent'] as const) {
      within(TEST_LAW[key], approach3.lawIntervals[key]);
    }
    const approach2 = status.fits.find((f: { method: number }) => f.method === 2);
    within(trueA, approach2.aInterval);
  });
});
