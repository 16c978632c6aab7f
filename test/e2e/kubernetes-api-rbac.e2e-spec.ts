// Kubernetes decides who may use the REST API (kubernetes mode): the control plane reviews a Kubernetes bearer
// token with TokenReview and each request with SubjectAccessReview, against the kube emulator (REAL client-node,
// RBAC objects applied with the REAL kubectl). The shared dashboard token still works, as in local mode.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeEmulator, startKubeEmulator } from '@scaleplan/kube-emulator';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningControlPlane, startControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import { deleteKeysWithPrefix } from '../../apps/control-plane/src/redis/redis-connection.js';
import { runKubectl, type KubectlResult } from '../support/kubectl.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `e2e-k8s-rbac-${process.pid}-${Date.now().toString(36)}`;
const DASHBOARD_TOKEN = 'e2e-rbac-dashboard-token';

let emulator: KubeEmulator;
let controlPlane: RunningControlPlane | undefined;
let home: string;
let redis: Redis;
let viewerToken: string;

const kubectl = (args: string[], input?: string): Promise<KubectlResult> =>
  runKubectl({ home, kubeconfig: emulator.kubeconfigPath }, args, input, 60_000);

const RBAC = `apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scaleplan-viewer}
rules:
  - apiGroups: [scaleplan.dev]
    resources: [computebudgets, scalinglaws]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scaleplan-editor}
rules:
  - apiGroups: [scaleplan.dev]
    resources: [computebudgets, scalinglaws]
    verbs: [get, list, create, update, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scaleplan-metrics-reader}
rules:
  - nonResourceURLs: [/metrics]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: viewers, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scaleplan-viewer}
subjects: [{kind: ServiceAccount, name: viewer, namespace: team-a}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: editors, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scaleplan-editor}
subjects: [{kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-metrics}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scaleplan-metrics-reader}
subjects: [{kind: User, name: alice}]
`;

const budget = (name: string) => ({
  apiVersion: 'scaleplan.dev/v1alpha1',
  kind: 'ComputeBudget',
  metadata: { name },
  spec: { flops: 1e21, preset: 'chinchilla-2022' },
});

async function call(
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: { message?: string } }> {
  const response = await fetch(`${controlPlane!.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text.startsWith('{') ? JSON.parse(text) : { message: text }) as { message?: string } };
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  emulator = await startKubeEmulator({ users: [{ token: 'alice-token', username: 'alice', groups: ['developers'] }] });
  for (const args of [
    ['apply', '-f', join(repoRoot, 'k8s/crds/')],
    ['apply', '-f', '-'],
  ]) {
    const result = await kubectl(args, args[2] === '-' ? RBAC : undefined);
    if (result.code !== 0) throw new Error(result.stderr);
  }
  viewerToken = emulator.tokens.issue({ namespace: 'team-a', serviceAccount: 'viewer', expirationSeconds: 3600 });
  process.env.KUBECONFIG = emulator.kubeconfigPath;
  controlPlane = await startControlPlane({
    port: 0,
    dispatch: 'kubernetes',
    queuePrefix: prefix,
    dashboardToken: DASHBOARD_TOKEN,
    namespace: '',
    logLevel: 'info',
    env: { REDIS_URL },
    logDestination: createWriteStream(join(home, 'control-plane.log')),
    tuning: { resyncSeconds: 2 },
  });
}, 90_000);

afterAll(async () => {
  await controlPlane?.close().catch(() => undefined);
  await emulator?.stop();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  rmSync(home, { recursive: true, force: true });
}, 60_000);

describe('the REST API in kubernetes mode, with Kubernetes tokens', () => {
  it('lets a user with an editor RoleBinding create in its namespace, and nowhere else', async () => {
    expect((await call('POST', '/api/v1/namespaces/team-a/computebudgets', 'alice-token', budget('by-alice'))).status).toBe(201);
    const elsewhere = await call('POST', '/api/v1/namespaces/default/computebudgets', 'alice-token', budget('by-alice'));
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.message).toBe('User "alice" cannot create computebudgets.scaleplan.dev in the namespace "default"');
    expect((await call('GET', '/metrics', 'alice-token')).status).toBe(200); // a nonResourceURL rule
  });

  it("lets a service account read but not write its namespace's budgets", async () => {
    const list = await call('GET', '/api/v1/namespaces/team-a/computebudgets', viewerToken);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).toContain('by-alice');
    expect((await call('GET', '/api/v1/namespaces/team-a/computebudgets/by-alice', viewerToken)).status).toBe(200);
    const deleted = await call('DELETE', '/api/v1/namespaces/team-a/computebudgets/by-alice', viewerToken);
    expect(deleted.status).toBe(403);
    expect(deleted.body.message).toContain(
      'User "system:serviceaccount:team-a:viewer" cannot delete computebudgets.scaleplan.dev "by-alice"',
    );
    expect((await call('GET', '/api/v1/computebudgets', viewerToken)).status).toBe(403); // all namespaces: not granted
    expect((await call('GET', '/metrics', viewerToken)).status).toBe(403);
  });

  it('refuses a token the API server does not know (401), and keeps the dashboard token working', async () => {
    const forged = await call('GET', '/api/v1/namespaces/team-a/computebudgets', 'forged-token');
    expect(forged.status).toBe(401);
    expect(forged.body.message).toContain('TokenReview');
    expect((await call('GET', '/api/v1/namespaces/team-a/computebudgets', undefined)).status).toBe(401);
    expect((await call('DELETE', '/api/v1/namespaces/team-a/computebudgets/by-alice', DASHBOARD_TOKEN)).status).toBeLessThan(300);
  });
});
