import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApi } from './kube-api.js';
import { Kubelet } from './kubelet.js';
import { ObjectStore } from './object-store.js';
import { runProbe } from './pod-probes.js';
import { ResourceRegistry } from './resource-registry.js';

let api: KubeApi;
let kubelet: Kubelet;
let dir: string;
const t = (group: string, plural: string) => api.registry.find(group, 'v1', plural)!;

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

type Status = {
  phase?: string;
  conditions?: { type: string; status: string }[];
  containerStatuses?: { ready: boolean; restartCount: number }[];
};
const status = (name: string) => api.find(t('', 'pods'), 'default', name)?.status as Status | undefined;
const ready = (name: string) => status(name)?.conditions?.find((c) => c.type === 'Ready')?.status;

/** An HTTP server whose /healthz and /readyz answer 200 while a marker file exists (else 503), on HOST (0.0.0.0 → the pod IP). */
const server = (dir: string) =>
  `const fs = require("fs"); require("http").createServer((q, s) => { s.statusCode = fs.existsSync(${JSON.stringify(join(dir, 'ok'))}) ? 200 : 503; s.end(); }).listen(Number(process.env.PORT), process.env.HOST);`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubelet-probes-'));
  api = new KubeApi(new ResourceRegistry(), new ObjectStore(1000));
  api.create(t('', 'namespaces'), undefined, { metadata: { name: 'default' } });
  kubelet = new Kubelet(api, { workdir: dir, restartDelayMs: 50, killGraceMs: 200, podRoot: join(dir, 'pods') });
  kubelet.start();
});

afterEach(async () => {
  await kubelet.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubelet simulator: probes', () => {
  it('keeps a pod not Ready until its readiness probe (httpGet on a named port) passes, and un-readies it when it fails', async () => {
    const port = await freePort();
    api.create(t('', 'pods'), 'default', {
      metadata: { name: 'web' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'x',
            command: [process.execPath, '-e', server(dir)],
            env: [
              { name: 'PORT', value: String(port) },
              { name: 'HOST', value: '0.0.0.0' },
            ],
            ports: [{ name: 'http', containerPort: port }],
            readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      },
    });
    await until('Running', () => status('web')?.phase === 'Running');
    await new Promise((r) => setTimeout(r, 1500));
    expect(ready('web')).toBe('False');
    expect(status('web')?.containerStatuses?.[0]?.ready).toBe(false);
    writeFileSync(join(dir, 'ok'), '');
    await until('Ready', () => ready('web') === 'True');
    rmSync(join(dir, 'ok'));
    await until('not Ready again', () => ready('web') === 'False');
  });

  it('restarts a container that fails its liveness probe failureThreshold times', async () => {
    const port = await freePort();
    api.create(t('', 'pods'), 'default', {
      metadata: { name: 'stuck' },
      spec: {
        restartPolicy: 'Always',
        containers: [
          {
            name: 'c',
            image: 'x',
            command: [process.execPath, '-e', server(dir)],
            env: [
              { name: 'PORT', value: String(port) },
              { name: 'HOST', value: '0.0.0.0' },
            ],
            livenessProbe: { httpGet: { path: '/healthz', port }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      },
    });
    await until('a restart', () => (status('stuck')?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 10_000);
    expect(kubelet.logs('default', 'stuck')).toContain(
      'Liveness probe failed: HTTP probe failed with statuscode: 503, restarting the container',
    );
  });

  it('runs exec and tcpSocket probes', async () => {
    const context = { host: '127.0.0.1', ports: {}, env: { PATH: process.env.PATH ?? '', WANT: 'yes' }, cwd: dir };
    expect(await runProbe({ exec: { command: ['sh', '-c', 'test "$WANT" = yes'] } }, context)).toMatchObject({ ok: true });
    expect(await runProbe({ exec: { command: ['sh', '-c', 'echo not yet; exit 1'] } }, context)).toEqual({ ok: false, message: 'not yet' });
    const port = await freePort();
    expect((await runProbe({ tcpSocket: { port } }, context)).ok).toBe(false);
    const listening = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => listening.once('listening', r));
    expect((await runProbe({ tcpSocket: { port } }, context)).ok).toBe(true);
    listening.close();
  });
});
