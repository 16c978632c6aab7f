import { get } from 'node:http';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import type { LocalWorkerDispatcher } from '../../apps/control-plane/src/dispatch/local-worker-dispatcher.js';
import {
  deletePrefix,
  REDIS_URL,
  simulatedStudy,
  startTestControlPlane,
  TEST_AUTH as auth,
  uniquePrefix,
  waitFor,
} from '../support/e2e-harness.js';

describe('control plane REST API (real Redis, no workers)', () => {
  const prefix = uniquePrefix('api');
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

  const storedKeys = async (): Promise<string[]> => redis.keys(`${prefix}:store:*:default/*`);

  it('refuses mutations without the bearer token', async () => {
    await request(cp.url).post('/api/v1/namespaces/default/scalinglaws').send(simulatedStudy('nope')).expect(401);
    expect(await storedKeys()).toEqual([]);
  });

  const invalid: { name: string; path: string; body: string | object; type?: string; field: RegExp }[] = [
    {
      name: 'a negative budget',
      path: 'computebudgets',
      body: { kind: 'ComputeBudget', metadata: { name: 'neg' }, spec: { flops: -1e20, preset: 'chinchilla-2022' } },
      field: /^spec\.flops$/,
    },
    {
      name: 'a NaN budget (YAML .nan)',
      path: 'computebudgets',
      type: 'application/yaml',
      body: 'kind: ComputeBudget\nmetadata: { name: nan }\nspec:\n  flops: .nan\n  preset: chinchilla-2022\n',
      field: /^spec\.flops$/,
    },
    {
      name: 'a NaN budget (JSON string)',
      path: 'computebudgets',
      body: { kind: 'ComputeBudget', metadata: { name: 'nan2' }, spec: { flops: 'NaN', preset: 'chinchilla-2022' } },
      field: /^spec\.flops$/,
    },
    {
      name: 'an unknown law',
      path: 'computebudgets',
      body: { kind: 'ComputeBudget', metadata: { name: 'unk' }, spec: { flops: 1e20, scalingLaw: 'does-not-exist' } },
      field: /^spec\.scalingLaw$/,
    },
    {
      name: 'an unknown preset',
      path: 'computebudgets',
      body: { kind: 'ComputeBudget', metadata: { name: 'unkp' }, spec: { flops: 1e20, preset: 'gpt-5' } },
      field: /^spec\.preset$/,
    },
    {
      name: 'a budget below the smallest model',
      path: 'computebudgets',
      body: { kind: 'ComputeBudget', metadata: { name: 'tiny' }, spec: { flops: 1000, preset: 'chinchilla-2022' } },
      field: /^spec\.flops$/,
    },
    {
      name: 'a sweep budget below the smallest model',
      path: 'scalinglaws',
      body: simulatedStudy('tiny-sweep', { budgets: [1e17, 50] }),
      field: /^spec\.sweep\.budgets\.1$/,
    },
    {
      name: 'malformed YAML',
      path: 'scalinglaws',
      type: 'application/yaml',
      body: 'kind: ScalingLaw\nmetadata: { name: bad\nspec: [\n',
      field: /^\(body\)$/,
    },
    {
      name: 'malformed JSON',
      path: 'scalinglaws',
      type: 'application/json',
      body: '{"kind": "ScalingLaw", "metadata": {',
      field: /^\(body\)$/,
    },
    { name: 'an invalid name', path: 'scalinglaws', body: simulatedStudy('Not_A_Name'), field: /^metadata\.name$/ },
    {
      name: 'fewer than 3 sizes per budget',
      path: 'scalinglaws',
      body: simulatedStudy('two-sizes', { sizesPerBudget: 2 }),
      field: /^spec\.sweep\.sizesPerBudget$/,
    },
  ];
  for (const c of invalid) {
    it(`answers 400 naming the field for ${c.name}, and stores nothing`, async () => {
      const req = request(cp.url).post(`/api/v1/namespaces/default/${c.path}`).set(auth);
      const response = await (typeof c.body === 'string'
        ? req.set('Content-Type', c.type ?? 'application/json').send(c.body)
        : req.send(c.body));
      expect(response.status).toBe(400);
      expect(response.body.fields.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining([expect.stringMatching(c.field)]));
      expect(await storedKeys()).toEqual([]);
    });
  }

  it('creates from YAML, answers 409 on a duplicate and 404 for unknown objects', async () => {
    const yaml =
      'apiVersion: scaleplan.dev/v1alpha1\nkind: ComputeBudget\nmetadata:\n  name: yaml-budget\nspec:\n  acceleratorHours: { hours: 5000, accelerator: h100-sxm }\n  preset: chinchilla-2022\n';
    await request(cp.url)
      .post('/api/v1/namespaces/default/computebudgets')
      .set(auth)
      .set('Content-Type', 'application/yaml')
      .send(yaml)
      .expect(201);
    await request(cp.url)
      .post('/api/v1/namespaces/default/computebudgets')
      .set(auth)
      .set('Content-Type', 'application/yaml')
      .send(yaml)
      .expect(409);
    await request(cp.url).get('/api/v1/namespaces/default/computebudgets/nope').set(auth).expect(404);
    const resolved = await waitFor('the budget to resolve', async () => {
      const body = (await request(cp.url).get('/api/v1/namespaces/default/computebudgets/yaml-budget').set(auth)).body;
      return body.status?.phase === 'Resolved' ? body : undefined;
    });
    expect(resolved.status.flops).toBeCloseTo(5000 * 3600 * 989.5e12 * 0.4, -10);
    expect(resolved.status.allocation.params).toBeGreaterThan(1e9);
    expect(resolved.metadata.finalizers).toContain('scaleplan.dev/runs');
    await request(cp.url)
      .delete('/api/v1/namespaces/default/computebudgets/yaml-budget')
      .set(auth)
      .expect((r) => expect([200, 202]).toContain(r.status));
    await waitFor(
      'the budget to be gone',
      async () => (await request(cp.url).get('/api/v1/namespaces/default/computebudgets/yaml-budget').set(auth)).status === 404,
    );
  });

  it("clears a budget's allocation when its law is deleted (no stale N_opt/D_opt)", async () => {
    await request(cp.url)
      .post('/api/v1/namespaces/default/scalinglaws')
      .set(auth)
      .send({ kind: 'ScalingLaw', metadata: { name: 'published-law' }, spec: { preset: 'epoch-2024' } })
      .expect(201);
    await request(cp.url)
      .post('/api/v1/namespaces/default/computebudgets')
      .set(auth)
      .send({ kind: 'ComputeBudget', metadata: { name: 'on-published-law' }, spec: { flops: 1e21, scalingLaw: 'published-law' } })
      .expect(201);
    const budgetPath = '/api/v1/namespaces/default/computebudgets/on-published-law';
    const resolved = await waitFor('the budget to resolve from the law', async () => {
      const body = (await request(cp.url).get(budgetPath).set(auth)).body;
      return body.status?.phase === 'Resolved' ? body : undefined;
    });
    expect(resolved.status.allocation.paramsColumn).toMatch(/\[/); // epoch-2024's published interval
    await request(cp.url)
      .delete('/api/v1/namespaces/default/scalinglaws/published-law')
      .set(auth)
      .expect((r) => expect([200, 202]).toContain(r.status));
    const cleared = await waitFor('the allocation to be cleared', async () => {
      const body = (await request(cp.url).get(budgetPath).set(auth)).body;
      return body.status && body.status.allocation === undefined ? body : undefined;
    });
    expect(cleared.status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'UnknownScalingLaw',
    });
    await request(cp.url)
      .delete(budgetPath)
      .set(auth)
      .expect((r) => expect([200, 202]).toContain(r.status));
  });

  it('computes allocations on the spot (FLOPs or accelerator-hours) and validates the query', async () => {
    const chinchilla = (
      await request(cp.url).get('/api/v1/allocations').set(auth).query({ flops: 5.76e23, law: 'chinchilla-2022' }).expect(200)
    ).body;
    expect(chinchilla.params / 1e9).toBeGreaterThan(35);
    expect(chinchilla.params / 1e9).toBeLessThan(45);
    expect(chinchilla.predictedLoss).toBeGreaterThan(1.69);
    const hours = (
      await request(cp.url)
        .get('/api/v1/allocations')
        .set(auth)
        .query({ acceleratorHours: 1000, accelerator: 'h100', law: 'epoch-2024' })
        .expect(200)
    ).body;
    expect(hours.flops).toBeCloseTo(1000 * 3600 * 989.5e12 * 0.4, -10);
    const bad = (await request(cp.url).get('/api/v1/allocations').set(auth).query({ flops: -5, law: 'chinchilla-2022' }).expect(400)).body;
    expect(bad.fields[0].field).toBe('flops');
    expect(
      (await request(cp.url).get('/api/v1/allocations').set(auth).query({ flops: 1e20, law: 'nope' }).expect(400)).body.fields[0].field,
    ).toBe('law');
    expect(
      (await request(cp.url).get('/api/v1/allocations').set(auth).query({ flops: 1e24, law: 'epoch-2024', uniqueTokens: -1 }).expect(400))
        .body.fields[0].field,
    ).toBe('uniqueTokens');
    expect(
      (
        await request(cp.url)
          .get('/api/v1/allocations')
          .set(auth)
          .query({ flops: 1e24, law: 'epoch-2024', inferenceTokens: 'Infinity' })
          .expect(400)
      ).body.fields[0].field,
    ).toBe('inferenceTokens');
    const constrained = (
      await request(cp.url).get('/api/v1/allocations').set(auth).query({ flops: 1e24, law: 'epoch-2024', uniqueTokens: 1e11 }).expect(200)
    ).body;
    expect(Math.abs(constrained.params / 59.8e9 - 1)).toBeLessThan(0.03);
  });

  it('serves OpenAPI, health, readiness and Prometheus metrics', async () => {
    await request(cp.url).get('/docs').set(auth).expect(200);
    const openapi = (await request(cp.url).get('/docs-json').set(auth).expect(200)).body;
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/v1/namespaces/{namespace}/scalinglaws', '/api/v1/allocations']),
    );
    await request(cp.url).get('/healthz').expect(200);
    expect((await request(cp.url).get('/readyz').expect(200)).body.redis).toBe('up');
    const metrics = (await request(cp.url).get('/metrics').set(auth).expect(200)).text;
    expect(metrics).toMatch(/scaleplan_queue_jobs\{state="waiting"\}/);
    expect(metrics).toMatch(/scaleplan_refit_duration_seconds_bucket/);
  });

  it('streams resource changes as server-sent events', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = get(`${cp.url}/api/v1/events`, { headers: auth }, (res) => {
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          if (buffer.includes('sse-study')) {
            req.destroy();
            resolve(buffer);
          }
        });
      });
      req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await request(cp.url).post('/api/v1/namespaces/default/scalinglaws').set(auth).send(simulatedStudy('sse-study')).expect(201);
    expect(await received).toMatch(/event: resource/);
  });

  it('plans a study, queues at most maxConcurrentRuns, and deleting it removes its queued runs and results', async () => {
    await request(cp.url)
      .post('/api/v1/namespaces/default/scalinglaws')
      .set(auth)
      .send(simulatedStudy('queued-study', {}, { maxConcurrentRuns: 3 }))
      .expect(201);
    const status = await waitFor('the sweep to be queued', async () => {
      const body = (await request(cp.url).get('/api/v1/namespaces/default/scalinglaws/queued-study').set(auth)).body;
      return body.status?.runs?.queued === 3 ? body.status : undefined;
    });
    expect(status.runs.planned).toBe(12);
    expect(status.phase).toBe('Running');
    const runs = (await request(cp.url).get('/api/v1/namespaces/default/scalinglaws/queued-study/runs').set(auth).expect(200)).body.items;
    expect(runs).toHaveLength(15);
    const studyJobs = async (): Promise<number> =>
      (await cp.queue.queue.getJobs(['prioritized', 'waiting'])).filter((job) => job.id?.startsWith('default/queued-study/')).length;
    expect(await studyJobs()).toBe(3);
    // tuning.disableDispatch: queued work must not start local workers (reconciles and results kick the dispatch loop).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((cp.dispatcher as LocalWorkerDispatcher).pids()).toEqual([]);
    expect(await studyJobs()).toBe(3);
    await request(cp.url).delete('/api/v1/namespaces/default/scalinglaws/queued-study').set(auth).expect(202);
    await waitFor(
      'the study to be gone',
      async () => (await request(cp.url).get('/api/v1/namespaces/default/scalinglaws/queued-study').set(auth)).status === 404,
    );
    expect(await studyJobs()).toBe(0);
    expect(await redis.exists(`${prefix}:cp:runs:ScalingLaw:default/queued-study`)).toBe(0);
  });
});
