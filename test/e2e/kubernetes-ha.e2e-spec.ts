// High availability in kubernetes mode: two control planes as real processes (dist/apps/control-plane) against the
// kube emulator, electing a leader on a coordination.k8s.io/v1 Lease with the REAL client-node. The leader labels its
// pod for the Service; the standby is Ready (so a PDB can drain one replica) but serves no API calls and reconciles
// nothing. Killing the leader with SIGKILL hands over within the lease (12 s) plus one retry.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { type KubeEmulator, startKubeEmulator } from '@scaleplan/kube-emulator';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../apps/control-plane/src/kube/kube-client.js';
import { deleteKeysWithPrefix } from '../../apps/control-plane/src/redis/redis-connection.js';
import { pollUntil } from '../support/poll.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const ENTRY = join(repoRoot, 'dist/apps/control-plane/src/main.js');
const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `e2e-k8s-ha-${process.pid}-${Date.now().toString(36)}`;
const LEASE = `${prefix}-control-plane`;
const NS = 'default';
const TOKEN = 'e2e-ha-token';
const LEASE_SECONDS = 12;

let emulator: KubeEmulator;
let dir: string;
let redis: Redis;
let core: k8s.CoreV1Api;
let leases: k8s.CoordinationV1Api;
let custom: k8s.CustomObjectsApi;
const planes = new Map<string, { process: ChildProcess; port: number; log: string }>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> =>
  pollUntil(what, probe, {
    timeoutMs,
    intervalMs: 200,
    explain: () =>
      [...planes.entries()]
        .map(([name, p]) => `--- ${name} ---\n${existsSync(p.log) ? readFileSync(p.log, 'utf8').split('\n').slice(-8).join('\n') : ''}`)
        .join('\n'),
  });

/** Starts a control plane process as if it ran in pod `name` (the downward API's SCALEPLAN_POD_NAME). */
async function startPlane(name: string): Promise<void> {
  const port = await freePort();
  const log = join(dir, `${name}.log`);
  const out = openSync(log, 'a');
  const child = spawn(process.execPath, [ENTRY], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      KUBECONFIG: emulator.kubeconfigPath,
      REDIS_URL,
      PORT: String(port),
      SCALEPLAN_BIND: '127.0.0.1',
      SCALEPLAN_DISPATCH: 'kubernetes',
      SCALEPLAN_DASHBOARD_TOKEN: TOKEN,
      SCALEPLAN_QUEUE_PREFIX: prefix,
      SCALEPLAN_LEADER_LEASE_SECONDS: String(LEASE_SECONDS),
      SCALEPLAN_POD_NAME: name,
      SCALEPLAN_POD_NAMESPACE: NS,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', out, out],
  });
  planes.set(name, { process: child, port, log });
  await until(`${name} to serve /healthz`, async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
}

const holder = async () => (await leases.readNamespacedLease({ name: LEASE, namespace: NS })).spec?.holderIdentity;
const labelOf = async (pod: string) =>
  (await core.readNamespacedPod({ name: pod, namespace: NS })).metadata?.labels?.['scaleplan.dev/leader'];
const readyz = async (name: string) => {
  const response = await fetch(`http://127.0.0.1:${planes.get(name)!.port}/readyz`);
  return { status: response.status, body: (await response.json()) as { checks: { leadership: { state: string; leader?: string } } } };
};
const apiStatus = async (name: string) =>
  (
    await fetch(`http://127.0.0.1:${planes.get(name)!.port}/api/v1/namespaces/${NS}/computebudgets`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
  ).status;

async function budgetResolves(name: string): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: 'scaleplan.dev',
    version: 'v1alpha1',
    namespace: NS,
    plural: 'computebudgets',
    body: {
      apiVersion: 'scaleplan.dev/v1alpha1',
      kind: 'ComputeBudget',
      metadata: { name },
      spec: { flops: 1e21, preset: 'chinchilla-2022' },
    },
  });
  await until(`${name} to resolve`, async () => {
    const cb = (await custom.getNamespacedCustomObject({
      group: 'scaleplan.dev',
      version: 'v1alpha1',
      namespace: NS,
      plural: 'computebudgets',
      name,
    })) as {
      status?: { phase?: string };
    };
    return cb.status?.phase === 'Resolved';
  });
}

beforeAll(async () => {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), 'k8s-ha-e2e-'));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  emulator = await startKubeEmulator({ kubeconfigPath: join(dir, 'kubeconfig') });
  const kc = loadKubeConfig(emulator.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  leases = kc.makeApiClient(k8s.CoordinationV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const crds = kc.makeApiClient(k8s.ApiextensionsV1Api);
  for (const file of readdirSync(join(repoRoot, 'k8s/crds'))) {
    await crds.createCustomResourceDefinition({
      body: k8s.loadYaml<k8s.V1CustomResourceDefinition>(readFileSync(join(repoRoot, 'k8s/crds', file), 'utf8')),
    });
  }
  // The pods the two processes stand for (no kubelet here: the processes are started by the test).
  for (const name of ['cp-a', 'cp-b']) {
    await core.createNamespacedPod({
      namespace: NS,
      body: { metadata: { name, labels: { app: 'scaleplan' } }, spec: { containers: [{ name: 'control-plane', image: 'x' }] } },
    });
  }
}, 60_000);

afterAll(async () => {
  for (const plane of planes.values()) plane.process.kill('SIGKILL');
  await emulator?.stop();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('two control planes on one Lease', () => {
  it('elects one leader that labels its pod and reconciles; the standby is Ready but serves and writes nothing', async () => {
    await startPlane('cp-a');
    await until('cp-a to hold the Lease', async () => (await holder()) === 'cp-a');
    await startPlane('cp-b');
    await until('cp-b to be standby', async () => (await readyz('cp-b')).body.checks.leadership.state === 'standby');
    // The leader reports 'leading' as it patches its pod's label: the label follows within one API round trip.
    await until('cp-a to carry the leader label', async () => (await labelOf('cp-a')) === 'true', 5000);
    expect(await labelOf('cp-b')).toBeUndefined();
    const standby = await readyz('cp-b');
    expect(standby.status).toBe(200); // Ready: the Service routes by the leader label, and a PDB may drain either pod
    expect(standby.body.checks.leadership).toMatchObject({ state: 'standby', leader: 'cp-a' });
    expect(await apiStatus('cp-b')).toBe(503);
    expect(await apiStatus('cp-a')).toBe(200);
    await budgetResolves('before-failover');
    expect(readFileSync(planes.get('cp-a')!.log, 'utf8')).toContain('Updated ComputeBudget phase');
    expect(readFileSync(planes.get('cp-b')!.log, 'utf8')).not.toContain('Updated ComputeBudget phase');
  });

  it(`hands over within ${LEASE_SECONDS} s + one retry when the leader is killed (SIGKILL), then reconciles on the new leader`, async () => {
    const killedAt = Date.now();
    planes.get('cp-a')!.process.kill('SIGKILL');
    await until('cp-b to take the Lease', async () => (await holder()) === 'cp-b', 20_000);
    await until('cp-b to lead', async () => (await readyz('cp-b')).body.checks.leadership.state === 'leading', 5000);
    const failoverMs = Date.now() - killedAt;
    expect(failoverMs).toBeLessThan(15_000);
    await until('cp-b to carry the leader label', async () => (await labelOf('cp-b')) === 'true', 5000);
    expect(await labelOf('cp-a')).toBeUndefined(); // taken off the dead leader's pod (before cp-b's own label)
    expect(await apiStatus('cp-b')).toBe(200);
    await budgetResolves('after-failover');
    console.info(`failover after SIGKILL: ${(failoverMs / 1000).toFixed(1)} s (lease ${LEASE_SECONDS} s)`);
  }, 40_000);

  it('hands over at once when the leader stops gracefully (SIGTERM releases the Lease)', async () => {
    await startPlane('cp-a');
    await until('cp-a to be standby', async () => (await readyz('cp-a')).body.checks.leadership.state === 'standby');
    const stoppedAt = Date.now();
    planes.get('cp-b')!.process.kill('SIGTERM');
    await until(
      'cp-a to lead',
      async () => (await holder()) === 'cp-a' && (await readyz('cp-a')).body.checks.leadership.state === 'leading',
      10_000,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    await until('cp-a to carry the leader label', async () => (await labelOf('cp-a')) === 'true', 5000);
  }, 30_000);
});
