import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { acquireDemoRedis, freePort } from '../../apps/demo/src/index.js';
import { join } from 'node:path';
import { repositoryRoot } from '../../apps/control-plane/src/dispatch/local-worker-options.js';
import { deleteKeysWithPrefix, createRedis } from '../../apps/control-plane/src/redis/redis-connection.js';

/**
 * `npm run bench:api`: throughput and latency of the REST API with 2,000 stored ComputeBudgets, against
 * one control plane (the built one, as its own process, so the load generator does not share its event
 * loop): GET of one object, the list of all 2,000 in one answer (what every list was before paging), the
 * first page of 100, a walk through all pages, and POST. Prints figures; asserts nothing about speed.
 */
const STORED = Number(process.env.BENCH_STORED ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PAGE = 100;
const TOKEN = `bench-${randomBytes(6).toString('hex')}`;
const headers = { authorization: `Bearer ${TOKEN}` };

interface Figures {
  readonly scenario: string;
  readonly requests: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
  readonly bytes: number;
}

const budget = (name: string) => ({
  apiVersion: 'scaleplan.dev/v1alpha1',
  kind: 'ComputeBudget',
  metadata: { name, namespace: 'bench' },
  spec: { flops: 1e21 + Number.parseInt(name.slice(2), 10) * 1e18, preset: 'chinchilla-2022' },
});

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** Runs `requests` calls of `call` with `CONCURRENCY` in flight; each call returns the bytes it read. */
async function load(scenario: string, requests: number, call: (index: number) => Promise<number>): Promise<Figures> {
  const latenciesMs: number[] = [];
  let bytes = 0;
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < requests) {
      const index = next++;
      const t0 = performance.now();
      const read = await call(index); // not `bytes += await …`: that reads `bytes` before the await and loses other lanes' sums
      latenciesMs.push(performance.now() - t0);
      bytes += read;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return { scenario, requests, seconds: (performance.now() - started) / 1000, latenciesMs: latenciesMs.sort((a, b) => a - b), bytes };
}

async function fetchBytes(url: string, init: RequestInit = {}): Promise<number> {
  const response = await fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
  const body = await response.arrayBuffer();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${Buffer.from(body).toString().slice(0, 300)}`);
  return body.byteLength;
}

function printTable(rows: readonly Figures[]): void {
  const header = ['scenario', 'requests', 'req/s', 'p50 ms', 'p99 ms', 'KB/response'];
  const cells = rows.map((r) => [
    r.scenario,
    String(r.requests),
    (r.requests / r.seconds).toFixed(1),
    percentile(r.latenciesMs, 50).toFixed(1),
    percentile(r.latenciesMs, 99).toFixed(1),
    (r.bytes / r.requests / 1024).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(' | ')} |`;
  process.stdout.write(`${[line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n')}\n`);
}

const redisHandle = await acquireDemoRedis(process.env.REDIS_URL, (line) => process.stdout.write(`${line}\n`));
const prefix = `bench-api-${Date.now().toString(36)}`;
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const root = repositoryRoot();
const server = spawn(process.execPath, [join(root, 'dist/apps/control-plane/src/main.js')], {
  cwd: root,
  env: {
    ...process.env,
    REDIS_URL: redisHandle.url,
    PORT: String(port),
    SCALEPLAN_QUEUE_PREFIX: prefix,
    SCALEPLAN_DASHBOARD_TOKEN: TOKEN,
    SCALEPLAN_LOCAL_WORKERS_MAX: '0',
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
try {
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 300 || server.exitCode !== null) throw new Error('the control plane did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.stdout.write(`API benchmark: ${STORED} stored ComputeBudgets, ${CONCURRENCY} requests in flight, Redis ${redisHandle.url}\n`);
  const json = { 'content-type': 'application/json' };
  await load('seed', STORED, (i) =>
    fetchBytes(`${base}/api/v1/namespaces/bench/computebudgets`, { method: 'POST', headers: json, body: JSON.stringify(budget(`b-${i}`)) }),
  );
  // Measure the objects as clients see them: every status written by the reconciler.
  for (;;) {
    const list = (await (await fetch(`${base}/api/v1/namespaces/bench/computebudgets`, { headers })).json()) as {
      items: { status?: { phase?: string } }[];
    };
    if (list.items.filter((b) => b.status?.phase === 'Resolved').length === STORED) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  const rows: Figures[] = [];
  rows.push(
    await load('GET one object', 2000, (i) => fetchBytes(`${base}/api/v1/namespaces/bench/computebudgets/b-${(i * 7919) % STORED}`)),
  );
  rows.push(
    await load(`list, unpaged (all ${STORED}: before paging)`, 40, () => fetchBytes(`${base}/api/v1/namespaces/bench/computebudgets`)),
  );
  rows.push(
    await load(`list, first page (limit=${PAGE})`, 1000, () => fetchBytes(`${base}/api/v1/namespaces/bench/computebudgets?limit=${PAGE}`)),
  );
  const walk = await load(`list, every page (limit=${PAGE}, ${Math.ceil(STORED / PAGE)} pages)`, 40, async () => {
    let bytes = 0;
    let next: string | undefined;
    do {
      const response = await fetch(
        `${base}/api/v1/namespaces/bench/computebudgets?limit=${PAGE}${next ? `&continue=${encodeURIComponent(next)}` : ''}`,
        { headers },
      );
      const text = await response.text();
      bytes += text.length;
      next = (JSON.parse(text) as { metadata: { continue?: string } }).metadata.continue;
    } while (next);
    return bytes;
  });
  rows.push(walk);
  rows.push(
    await load('POST (create)', 1000, (i) =>
      fetchBytes(`${base}/api/v1/namespaces/bench/computebudgets`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(budget(`b-${STORED + i}`)),
      }),
    ),
  );
  printTable(rows);
  process.stdout.write('(one row of "every page" is a whole walk through the list, page after page)\n');
} finally {
  server.kill('SIGTERM');
  await once(server, 'exit');
  const redis = createRedis(redisHandle.url);
  await redis.connect();
  await deleteKeysWithPrefix(redis, prefix, 5000);
  redis.disconnect();
  await redisHandle.stop();
}
process.exit(0);
