import { spawn, type ChildProcess } from 'node:child_process';
import { get, type IncomingMessage } from 'node:http';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import { startControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import { freePort, redisReachable } from '../../apps/demo/src/index.js';
import {
  deletePrefix,
  nullStream,
  REDIS_URL,
  simulatedStudy,
  startTestControlPlane,
  TEST_AUTH as auth,
  TEST_TOKEN,
  uniquePrefix,
  waitFor,
} from '../support/e2e-harness.js';

// Issue 13, items 3, 5 and 6: reads are protected, lists page, SSE is capped, failed logins are
// limited, logout is server-side, /queues survives a Redis outage, and one control plane writes a prefix.

const budget = (name: string, namespace = 'default') => ({
  apiVersion: 'scaleplan.dev/v1alpha1',
  kind: 'ComputeBudget',
  metadata: { name, namespace },
  spec: { flops: 1e21, preset: 'chinchilla-2022' },
});

/** Opens an event stream and resolves with its response once the headers arrived. */
function openStream(url: string, headers: Record<string, string>): Promise<{ response: IncomingMessage; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}/api/v1/events`, { headers }, (response) => resolve({ response, close: () => req.destroy() }));
    req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
  });
}

/** Reads a whole (short) response body. */
const bodyOf = (response: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    response.on('data', (chunk: Buffer) => (text += chunk.toString()));
    response.on('end', () => resolve(text));
  });

describe('control plane hardening (real Redis, no workers)', () => {
  const prefix = uniquePrefix('hardening');
  let cp: RunningControlPlane;

  beforeAll(async () => {
    cp = await startTestControlPlane({ prefix, redisUrl: REDIS_URL, sseMaxClients: 2, tuning: { disableDispatch: true } });
    await request(cp.url).post('/api/v1/namespaces/default/scalinglaws').set(auth).send(simulatedStudy('study')).expect(201);
  });
  afterAll(async () => {
    await cp?.close();
    await deletePrefix(REDIS_URL, prefix);
  });

  const reads = [
    '/api/v1/scalinglaws',
    '/api/v1/computebudgets',
    '/api/v1/namespaces/default/scalinglaws',
    '/api/v1/namespaces/default/scalinglaws/study',
    '/api/v1/namespaces/default/scalinglaws/study/runs',
    '/api/v1/namespaces/default/computebudgets',
    '/api/v1/allocations?flops=1e21&law=chinchilla-2022',
    '/metrics',
    '/docs',
    '/docs-json',
    '/queues',
    '/studies',
  ];

  it('every read needs the token; the health probes do not', async () => {
    for (const path of reads) {
      const anonymous = await request(cp.url).get(path);
      expect(anonymous.status, `${path} without a token`).toBe(401);
      const allowed = await request(cp.url).get(path).set(auth);
      expect(allowed.status, `${path} with the token`).toBe(200);
    }
    const stream = await openStream(cp.url, {});
    expect(stream.response.statusCode).toBe(401);
    stream.close();
    await request(cp.url).get('/healthz').expect(200);
    await request(cp.url).get('/readyz').expect(200);
  });

  it('listens on 127.0.0.1 when SCALEPLAN_BIND is not set (local mode)', async () => {
    const local = await startControlPlane({
      env: { REDIS_URL, LOG_LEVEL: 'warn' },
      port: 0,
      queuePrefix: uniquePrefix('bind'),
      dashboardToken: TEST_TOKEN,
      logDestination: nullStream(),
      tuning: { disableDispatch: true },
    });
    try {
      expect((local.app.getHttpServer().address() as { address: string }).address).toBe('127.0.0.1');
    } finally {
      await local.close();
      await deletePrefix(REDIS_URL, local.config.queuePrefix);
    }
  });

  it('pages every list with limit/continue: each object once, in order, and 400 for a bad limit or token', async () => {
    for (let i = 0; i < 25; i++) {
      await request(cp.url)
        .post('/api/v1/namespaces/paged/computebudgets')
        .set(auth)
        .send(budget(`b-${String(i).padStart(2, '0')}`, 'paged'))
        .expect(201);
    }
    const names: string[] = [];
    let next: string | undefined;
    let pages = 0;
    do {
      const page = (
        await request(cp.url)
          .get('/api/v1/namespaces/paged/computebudgets')
          .query({ limit: 10, ...(next ? { continue: next } : {}) })
          .set(auth)
          .expect(200)
      ).body;
      pages += 1;
      names.push(...page.items.map((b: { metadata: { name: string } }) => b.metadata.name));
      next = page.metadata.continue;
      if (next) expect(page.metadata.remainingItemCount).toBe(25 - names.length);
    } while (next);
    expect(pages).toBe(3);
    expect(names).toEqual(Array.from({ length: 25 }, (_, i) => `b-${String(i).padStart(2, '0')}`));

    const all = (await request(cp.url).get('/api/v1/computebudgets').query({ limit: 1000 }).set(auth).expect(200)).body;
    expect(all.items).toHaveLength(25);
    expect(all.metadata.continue).toBeUndefined();
    const runs = (await request(cp.url).get('/api/v1/namespaces/default/scalinglaws/study/runs').query({ limit: 4 }).set(auth).expect(200))
      .body;
    expect(runs.items).toHaveLength(4);
    expect(runs.metadata.continue).toBeTruthy();

    const bad = (await request(cp.url).get('/api/v1/computebudgets').query({ limit: 0 }).set(auth).expect(400)).body;
    expect(bad.fields[0].field).toBe('limit');
    const otherList = (
      await request(cp.url).get('/api/v1/scalinglaws').query({ limit: 5, continue: runs.metadata.continue }).set(auth).expect(400)
    ).body;
    expect(otherList.fields[0]).toMatchObject({ field: 'continue', message: expect.stringMatching(/belongs to another list/) });
    await request(cp.url).get('/api/v1/scalinglaws').query({ limit: 5, continue: 'garbage' }).set(auth).expect(400);
  });

  it('caps event-stream clients: past SCALEPLAN_SSE_MAX_CLIENTS a clear 503, and a closed stream frees its place', async () => {
    const first = await openStream(cp.url, auth);
    const second = await openStream(cp.url, auth);
    expect([first.response.statusCode, second.response.statusCode]).toEqual([200, 200]);
    const third = await openStream(cp.url, auth);
    expect(third.response.statusCode).toBe(503);
    expect(third.response.headers['retry-after']).toBeDefined();
    expect(JSON.parse(await bodyOf(third.response)).message).toMatch(/Too many event-stream clients: 2 of 2 .*SCALEPLAN_SSE_MAX_CLIENTS/);
    first.close();
    const fourth = await waitFor('a freed place', async () => {
      const attempt = await openStream(cp.url, auth);
      if (attempt.response.statusCode === 200) return attempt;
      attempt.close();
      return undefined;
    });
    fourth.close();
    second.close();
  });

  it('logout ends the session on the server: the old cookie no longer opens anything', async () => {
    const login = await request(cp.url).post('/login').type('form').send({ token: TEST_TOKEN, next: '/' }).expect(303);
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    await request(cp.url).get('/api/v1/scalinglaws').set('Cookie', cookie).expect(200);
    await request(cp.url).post('/logout').set('Cookie', cookie).expect(303);
    await request(cp.url).get('/api/v1/scalinglaws').set('Cookie', cookie).expect(401);
    await request(cp.url).get('/queues').set('Cookie', cookie).expect(401);
  });
});

describe('failed authentication is rate-limited (real Redis)', () => {
  const prefix = uniquePrefix('ratelimit');
  let cp: RunningControlPlane;
  beforeAll(async () => {
    cp = await startTestControlPlane({
      prefix,
      redisUrl: REDIS_URL,
      tuning: { disableDispatch: true, authFailuresPerWindow: 5, authFailureWindowSeconds: 30 },
    });
  });
  afterAll(async () => {
    await cp?.close();
    await deletePrefix(REDIS_URL, prefix);
  });

  it('wrong tokens meet a 429 with Retry-After after the limit, on reads, writes, /docs and the login form', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await request(cp.url).get('/api/v1/scalinglaws').set('Authorization', `Bearer guess-${i}`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
    const refused = await request(cp.url).post('/api/v1/namespaces/default/scalinglaws').set(auth).send(simulatedStudy('x')).expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    await request(cp.url).get('/docs-json').set(auth).expect(429);
    await request(cp.url).post('/login').type('form').send({ token: TEST_TOKEN, next: '/' }).expect(429);
    await request(cp.url).get('/healthz').expect(200);
  });
});

describe('/queues while Redis is down (private redis-server)', () => {
  let redis: ChildProcess | undefined;
  let cp: RunningControlPlane | undefined;
  afterEach(async () => {
    await cp?.close();
    redis?.kill('SIGKILL');
  });

  it('answers 503 with a message, not 500, and recovers when Redis is back', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const start = () =>
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    redis = start();
    await waitFor('the private Redis', () => redisReachable(url, 300), 10_000);
    cp = await startTestControlPlane({ prefix: uniquePrefix('queues'), redisUrl: url, tuning: { disableDispatch: true } });
    await request(cp.url).get('/queues/api/queues').set(auth).expect(200);
    redis.kill('SIGKILL');
    await waitFor('/readyz to fail', async () => (await request(cp!.url).get('/readyz')).status === 503, 10_000);
    for (const path of ['/queues', '/queues/api/queues']) {
      const down = await request(cp.url).get(path).set(auth);
      expect(down.status, path).toBe(503);
      expect(down.body.message).toMatch(/Redis is unavailable/);
    }
    redis = start();
    await waitFor(
      '/queues to recover',
      async () => (await request(cp!.url).get('/queues/api/queues').set(auth)).status === 200,
      20_000,
      200,
    );
  });
});

describe('two control planes on one prefix (local mode)', () => {
  const prefix = uniquePrefix('standby');
  const planes: RunningControlPlane[] = [];
  afterAll(async () => {
    for (const plane of planes) await plane.close();
    await deletePrefix(REDIS_URL, prefix);
  });

  it('the second waits as standby, says so on /readyz, refuses requests, and takes over when the first stops', async () => {
    const start = async () => {
      const plane = await startTestControlPlane({ prefix, redisUrl: REDIS_URL, leaderLeaseSeconds: 1, tuning: { disableDispatch: true } });
      planes.push(plane);
      return plane;
    };
    const first = await start();
    const second = await start();
    await request(first.url).get('/readyz').expect(200);
    const standby = (await request(second.url).get('/readyz').expect(503)).body;
    expect(standby.status).toBe('standby');
    expect(standby.message).toMatch(/Standby: control plane .* holds the single-writer lease/);
    expect(standby.checks.leadership).toMatchObject({ ready: false, state: 'standby', leader: expect.any(String) });
    const refused = (await request(second.url).get('/api/v1/scalinglaws').set(auth).expect(503)).body;
    expect(refused.message).toMatch(/Standby/);
    await request(second.url).get('/healthz').expect(200);

    await first.close();
    await waitFor('the standby to take over', async () => (await request(second.url).get('/readyz')).status === 200, 10_000, 100);
    await request(second.url).post('/api/v1/namespaces/default/computebudgets').set(auth).send(budget('after-takeover')).expect(201);
  });
});
