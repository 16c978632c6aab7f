// TokenReview and SubjectAccessReview on the kube emulator, asked by the REAL kubectl 1.32 (`kubectl auth can-i --as`,
// which sends a protobuf SelfSubjectAccessReview with impersonation headers: kubectl sends no bearer token over plain
// http) and the REAL client-node 1.4, answered from stored RBAC objects.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startKubeEmulator, type KubeEmulator } from '@scaleplan/kube-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, type KubectlResult } from '../support/kubectl.js';

let emulator: KubeEmulator;
let home: string;
let authn: k8s.AuthenticationV1Api;
let authz: k8s.AuthorizationV1Api;

const kubectl = (args: string[], input?: string): Promise<KubectlResult> =>
  runKubectl({ home, kubeconfig: emulator.kubeconfigPath }, args, input, 30_000);

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
    verbs: [get, list, watch]
  - nonResourceURLs: [/dashboard/*]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: team-a-viewers, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scaleplan-viewer}
subjects:
  - {kind: Group, name: team-a}
  - {kind: ServiceAccount, name: reporter, namespace: ci}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: budget-editor, namespace: team-a}
rules:
  - apiGroups: [scaleplan.dev]
    resources: [computebudgets]
    resourceNames: [big-budget]
    verbs: [update, delete]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: alice-edits-big-budget, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: budget-editor}
subjects: [{kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: alice-dashboard}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scaleplan-viewer}
subjects: [{kind: User, name: alice}]
`;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));
  emulator = await startKubeEmulator({ users: [{ token: 'alice-token', username: 'alice', groups: ['team-a'] }] });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(emulator.kubeconfigPath);
  authn = kc.makeApiClient(k8s.AuthenticationV1Api);
  authz = kc.makeApiClient(k8s.AuthorizationV1Api);
  const crds = await kubectl(['apply', '-f', join(import.meta.dirname, '..', '..', 'k8s', 'crds')]);
  const applied = await kubectl(['apply', '-f', '-'], RBAC);
  if (crds.code !== 0 || applied.code !== 0) throw new Error(crds.stderr + applied.stderr);
});

afterAll(async () => {
  await emulator?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('access reviews on the emulator', () => {
  const alice = ['--as', 'alice', '--as-group', 'team-a'];
  it.each([
    [alice, ['list', 'computebudgets', '-n', 'team-a'], 'yes'], // the group's RoleBinding
    [alice, ['get', 'scalinglaws', '-n', 'default'], 'yes'], // the user's ClusterRoleBinding: every namespace
    [alice, ['create', 'computebudgets', '-n', 'team-a'], 'no'],
    [alice, ['delete', 'computebudgets/big-budget', '-n', 'team-a'], 'yes'], // resourceNames
    [alice, ['delete', 'computebudgets/other', '-n', 'team-a'], 'no'],
    [alice, ['get', '/dashboard/studies'], 'yes'], // nonResourceURLs with a * suffix
    [['--as', 'bob'], ['list', 'computebudgets', '-n', 'team-a'], 'no'],
    [[], ['create', 'computebudgets', '-n', 'team-a'], 'yes'], // the emulator's own kubeconfig is admin
  ])('kubectl auth can-i %j %j → %s', async (as, question, answer) => {
    const result = await kubectl(['auth', 'can-i', ...question, ...as]);
    expect(result.stdout.trim()).toBe(answer);
    expect(result.code).toBe(answer === 'yes' ? 0 : 1);
  });

  it('answers TokenReviews for service-account tokens and static users, and refuses unknown tokens and wrong audiences', async () => {
    const token = emulator.tokens.issue({ namespace: 'ci', serviceAccount: 'reporter', expirationSeconds: 600, audiences: ['scaleplan'] });
    const ok = await authn.createTokenReview({ body: { spec: { token, audiences: ['scaleplan'] } } });
    expect(ok.status).toMatchObject({
      authenticated: true,
      audiences: ['scaleplan'],
      user: {
        username: 'system:serviceaccount:ci:reporter',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
      },
    });
    expect((await authn.createTokenReview({ body: { spec: { token, audiences: ['other'] } } })).status?.authenticated).toBe(false);
    expect((await authn.createTokenReview({ body: { spec: { token: 'alice-token' } } })).status?.user?.username).toBe('alice');
    expect((await authn.createTokenReview({ body: { spec: { token: 'forged' } } })).status).toMatchObject({ authenticated: false });
  });

  it('answers SubjectAccessReviews for a service account bound in a namespace', async () => {
    const ask = async (verb: string, namespace: string) =>
      (
        await authz.createSubjectAccessReview({
          body: {
            spec: {
              user: 'system:serviceaccount:ci:reporter',
              groups: ['system:serviceaccounts', 'system:serviceaccounts:ci'],
              resourceAttributes: { namespace, verb, group: 'scaleplan.dev', resource: 'computebudgets' },
            },
          },
        })
      ).status;
    expect(await ask('get', 'team-a')).toMatchObject({ allowed: true, reason: expect.stringContaining('RoleBinding "team-a-viewers"') });
    expect((await ask('create', 'team-a'))?.allowed).toBe(false);
    expect((await ask('get', 'default'))?.allowed).toBe(false);
    expect((await kubectl(['get', 'subjectaccessreviews'])).stderr).toMatch(/only supports create|MethodNotAllowed|not allowed/);
  });
});
