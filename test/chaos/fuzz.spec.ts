import { request as httpRequest } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import { deletePrefix, REDIS_URL, startTestControlPlane, TEST_AUTH, uniquePrefix } from '../support/e2e-harness.js';
import { buildFuzzCorpus, KEPT, validBudget, validLaw, type FuzzCase, type FuzzCategory } from './fuzz-corpus.js';

// The fuzz part of `npm run test:chaos` (issue 13): a corpus of bad bodies, CRs and URLs, generated in
// fuzz-corpus.ts, sent over loopback to a real control plane (real Redis, unique prefix, no workers). Every
// one must be answered 4xx with a message, none 5xx; afterwards the service is healthy, the objects stored
// before are unchanged, nothing new is stored, and Object.prototype is untouched.

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

/** One raw HTTP request (node:http, so paths and bytes go out exactly as written). */
function send(baseUrl: string, fuzz: FuzzCase): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  // Lower-case names, so a case's own authorization (empty: none) replaces the test token.
  const headers: Record<string, string> = { authorization: TEST_AUTH.Authorization, ...fuzz.headers };
  for (const [key, value] of Object.entries(headers)) if (value === '') delete headers[key];
  if (fuzz.body) headers['content-length'] = String(fuzz.body.length);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path: fuzz.path, method: fuzz.method, headers, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within 60 s to ${fuzz.name}`)));
    req.on('error', reject);
    req.end(fuzz.body);
  });
}

/** The message of an answer: the JSON `message` field (our filter's shape), or nothing. */
function messageOf(answer: Answer): string | undefined {
  try {
    const message = (JSON.parse(answer.body) as { message?: unknown }).message;
    return typeof message === 'string' && message.trim() !== '' ? message : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a 400 names the field a case aims at (or a field inside it, or the object that holds it). */
function namesField(answer: Answer, field: string): boolean {
  try {
    const fields = (JSON.parse(answer.body) as { fields?: { field: string }[] }).fields ?? [];
    return fields.some((f) => f.field === field || f.field.startsWith(`${field}.`) || field.startsWith(`${f.field}.`));
  } catch {
    return false;
  }
}

/** Requests, status codes and the slowest answer per category, as a table for the notes. */
function printFuzzTable(results: readonly { fuzz: FuzzCase; answer: Answer }[]): void {
  const categories = [...new Set(results.map((r) => r.fuzz.category))];
  const rows = [...categories, 'all' as const].map((category) => {
    const mine = results.filter((r) => category === 'all' || r.fuzz.category === category);
    const codes = new Map<number, number>();
    for (const { answer } of mine) codes.set(answer.status, (codes.get(answer.status) ?? 0) + 1);
    const statuses = [...codes]
      .sort(([a], [b]) => a - b)
      .map(([code, n]) => `${code}×${n}`)
      .join(' ');
    const fiveXx = mine.filter((r) => r.answer.status >= 500).length;
    const slowest = Math.max(...mine.map((r) => r.answer.ms));
    return [category, String(mine.length), statuses, String(fiveXx), `${slowest.toFixed(0)} ms`];
  });
  const header = ['category', 'requests', 'status codes', '5xx', 'slowest'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(
    [
      `\nFuzz corpus against the control plane (${results.length} requests)`,
      line(header),
      `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
      ...rows.map(line),
      `slowest: ${[...results]
        .sort((x, y) => y.answer.ms - x.answer.ms)
        .slice(0, 3)
        .map((r) => `${r.fuzz.name} (${r.answer.ms.toFixed(0)} ms)`)
        .join('; ')}`,
      '',
    ].join('\n'),
  );
}

describe('fuzz: bad bodies, CRs and URLs against a real control plane (loopback, real Redis)', () => {
  const prefix = uniquePrefix('chaos-fuzz');
  const corpus = buildFuzzCorpus();
  const results: { fuzz: FuzzCase; answer: Answer }[] = [];
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  let cp: RunningControlPlane;
  let redis: Redis;
  let storedBefore: Record<string, { spec: unknown; generation: unknown; uid: unknown }>;
  let keysBefore: string[];

  const call = async (method: FuzzCase['method'], path: string, body?: unknown): Promise<Answer> =>
    send(cp.url, {
      category: 'routes',
      name: path,
      method,
      path,
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: Buffer.from(JSON.stringify(body)) } : {}),
    });
  const storeKeys = async (): Promise<string[]> => (await redis.keys(`${prefix}:store:*`)).sort();
  const stored = async (): Promise<typeof storedBefore> => {
    const out: typeof storedBefore = {};
    for (const path of [
      `/api/v1/namespaces/${KEPT.namespace}/scalinglaws/${KEPT.law}`,
      `/api/v1/namespaces/${KEPT.namespace}/computebudgets/${KEPT.budget}`,
    ]) {
      const answer = await call('GET', path);
      expect(answer.status, path).toBe(200);
      const object = JSON.parse(answer.body) as { spec: unknown; metadata: { generation: unknown; uid: unknown } };
      out[path] = { spec: object.spec, generation: object.metadata.generation, uid: object.metadata.uid };
    }
    return out;
  };

  beforeAll(async () => {
    cp = await startTestControlPlane({ prefix, redisUrl: REDIS_URL, tuning: { disableDispatch: true } });
    redis = new Redis(REDIS_URL);
    expect((await call('POST', `/api/v1/namespaces/${KEPT.namespace}/scalinglaws`, validLaw(KEPT.law))).status).toBe(201);
    expect((await call('POST', `/api/v1/namespaces/${KEPT.namespace}/computebudgets`, validBudget(KEPT.budget))).status).toBe(201);
    storedBefore = await stored();
    keysBefore = await storeKeys();
  });
  afterAll(async () => {
    await cp?.close();
    await deletePrefix(REDIS_URL, prefix);
    redis?.disconnect();
  });

  it('has at least 200 cases in every category of the issue', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    const categories: FuzzCategory[] = ['numbers', 'types', 'sizes', 'names', 'encodings', 'yaml', 'prototype', 'huge-deep'];
    for (const category of categories) expect(corpus.filter((c) => c.category === category).length, category).toBeGreaterThanOrEqual(5);
  });

  it('answers every case with a 4xx and a message, never a 5xx', async () => {
    for (const fuzz of corpus) results.push({ fuzz, answer: await send(cp.url, fuzz) });
    printFuzzTable(results);
    const wrong = results
      .filter(
        ({ fuzz, answer }) =>
          !(answer.status >= 400 && answer.status < 500 && messageOf(answer) && (!fuzz.field || namesField(answer, fuzz.field))),
      )
      .map(({ fuzz, answer }) => `${fuzz.category}: ${fuzz.name} → ${answer.status} ${answer.body.slice(0, 200)}`);
    expect(wrong).toEqual([]);
    // Thousands of bad fields get the first few and a count, not an answer the size of the body.
    for (const { answer } of results) expect(answer.body.length, answer.body.slice(0, 100)).toBeLessThan(64 * 1024);
  }, 300_000);

  it('is healthy afterwards, kept what was stored and stored nothing new', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/readyz')).status).toBe(200);
    expect(await stored()).toEqual(storedBefore);
    expect(await storeKeys()).toEqual(keysBefore);
    // Still admits good input, and takes it away again.
    expect((await call('POST', `/api/v1/namespaces/${KEPT.namespace}/computebudgets`, validBudget('after-fuzz'))).status).toBe(201);
    expect([200, 202]).toContain((await call('DELETE', `/api/v1/namespaces/${KEPT.namespace}/computebudgets/after-fuzz`)).status);
  });

  it('left Object.prototype as it was (no pollution through JSON or YAML)', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
