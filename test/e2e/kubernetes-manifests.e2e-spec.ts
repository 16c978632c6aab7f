/* eslint-disable @typescript-eslint/no-explicit-any -- test doubles and parsed YAML are loosely typed on purpose */
// Static checks of k8s/: kustomize renders (kubectl's built-in kustomize), the CRDs in it are the generated
// ones, RBAC gives the control plane only what it uses and the workers nothing, env names follow the
// contract, and every sample is a valid resource.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeBudgetSchema, scalingLawSchema } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validateScalingLaw } from '../../apps/control-plane/src/http/resource-validation.js';
import { buildCustomResourceDefinition, SCALEPLAN_KINDS } from '../../libs/contracts/src/crd/index.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
const repoRoot = join(import.meta.dirname, '..', '..');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: unknown };
const parseDocs = (text: string): Manifest[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest)
    .filter(Boolean);

const CONTROL_PLANE_ENV = [
  'PORT',
  'SCALEPLAN_BIND',
  'REDIS_URL',
  'SCALEPLAN_QUEUE_PREFIX',
  'SCALEPLAN_DISPATCH',
  'SCALEPLAN_DASHBOARD_TOKEN_FILE',
  'SCALEPLAN_NAMESPACE',
  'SCALEPLAN_WORKER_DEPLOYMENT',
  'SCALEPLAN_WORKERS_MIN',
  'SCALEPLAN_WORKERS_MAX',
  'SCALEPLAN_WORKER_IMAGE',
  'SCALEPLAN_RESULT_RETENTION',
  'LOG_LEVEL',
  'SCALEPLAN_LEADER_LEASE_SECONDS',
  'SCALEPLAN_POD_NAME',
  'SCALEPLAN_POD_NAMESPACE',
];
const WORKER_ENV = [
  'REDIS_URL',
  'SCALEPLAN_QUEUE_PREFIX',
  'SCALEPLAN_CHECKPOINT_DIR',
  'SCALEPLAN_TFJS_BACKEND',
  'SCALEPLAN_LOCK_DURATION_MS',
  'SCALEPLAN_STALLED_INTERVAL_MS',
  'LOG_LEVEL',
];

describe('k8s/ manifests', () => {
  const rendered = parseDocs(
    execFileSync(KUBECTL, ['kustomize', join(repoRoot, 'k8s')], {
      encoding: 'utf8',
      env: { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'kubectl-home-')) },
    }),
  );
  const find = (kind: string, name: string) => {
    const found = rendered.find((m) => m.kind === kind && m.metadata.name === name);
    if (!found) throw new Error(`kubectl kustomize k8s/ rendered no ${kind} ${name}`);
    return found as Manifest & { spec: any; rules: any; subjects: any; automountServiceAccountToken?: boolean };
  };

  it('renders with kubectl kustomize into the scaleplan namespace', () => {
    expect(rendered.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual(
      expect.arrayContaining([
        'Namespace/scaleplan',
        'CustomResourceDefinition/computebudgets.scaleplan.dev',
        'CustomResourceDefinition/scalinglaws.scaleplan.dev',
        'ServiceAccount/scaleplan-control-plane',
        'ServiceAccount/scaleplan-worker',
        'ClusterRole/scaleplan-control-plane',
        'Deployment/scaleplan-control-plane',
        'Service/scaleplan-control-plane',
        'Deployment/scaleplan-worker',
      ]),
    );
    for (const m of rendered.filter(
      (r) => !['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(r.kind),
    )) {
      expect(m.metadata.namespace, `${m.kind}/${m.metadata.name}`).toBe('scaleplan');
    }
  });

  it('installs exactly the generated CRDs', () => {
    for (const kind of SCALEPLAN_KINDS) {
      const crd = buildCustomResourceDefinition(kind) as Manifest;
      const installed = find('CustomResourceDefinition', crd.metadata.name);
      expect(installed.spec).toEqual(crd.spec);
    }
  });

  it('gives the control plane only the verbs it uses, and the workers no API access', () => {
    const role = find('ClusterRole', 'scaleplan-control-plane');
    const verbsOf = (resource: string) =>
      role.rules
        .filter((r: any) => r.resources.includes(resource))
        .flatMap((r: any) => r.verbs)
        .sort();
    expect(verbsOf('computebudgets')).toEqual(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
    expect(verbsOf('computebudgets/status')).toEqual(['get', 'patch', 'update']);
    expect(verbsOf('events')).toEqual(['create', 'patch']);
    expect(verbsOf('tokenreviews')).toEqual(['create']);
    expect(verbsOf('subjectaccessreviews')).toEqual(['create']);
    expect(role.rules.flatMap((r: any) => r.resources)).not.toContain('secrets');
    expect(role.rules.flatMap((r: any) => r.verbs)).not.toContain('*');
    const scale = find('Role', 'scaleplan-control-plane');
    expect(scale.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['scaleplan-worker'], verbs: ['get', 'patch', 'update'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'patch'] },
    ]);

    expect(find('ServiceAccount', 'scaleplan-worker').automountServiceAccountToken).toBe(false);
    const worker = find('Deployment', 'scaleplan-worker');
    expect(worker.spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(worker.spec.template.spec.serviceAccountName).toBe('scaleplan-worker');
    const bindings = rendered.filter((m) => m.kind === 'RoleBinding' || m.kind === 'ClusterRoleBinding') as any[];
    for (const binding of bindings) expect(binding.subjects.map((s: any) => s.name)).not.toContain('scaleplan-worker');
  });

  it('configures both apps with the environment contract', () => {
    const controlPlane = find('Deployment', 'scaleplan-control-plane').spec.template.spec;
    expect(controlPlane.serviceAccountName).toBe('scaleplan-control-plane');
    const container = controlPlane.containers[0];
    expect(container.image).toBe('ghcr.io/scaleplan/control-plane:0.1.0');
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
    expect(Object.keys(env).sort()).toEqual([...CONTROL_PLANE_ENV].sort());
    expect(env.SCALEPLAN_DISPATCH).toBe('kubernetes');
    expect(env.SCALEPLAN_WORKER_DEPLOYMENT).toBe('scaleplan-worker');
    const workerEnv = find('Deployment', 'scaleplan-worker').spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(workerEnv.sort()).toEqual([...WORKER_ENV].sort());
  });

  it('runs two control planes behind a leader-routed Service and a PDB that lets one drain; the scaler owns worker replicas', () => {
    const controlPlane = find('Deployment', 'scaleplan-control-plane');
    expect(controlPlane.spec.replicas).toBe(2);
    expect(controlPlane.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const env = Object.fromEntries(controlPlane.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.SCALEPLAN_POD_NAME).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(find('Service', 'scaleplan-control-plane').spec.selector).toMatchObject({ 'scaleplan.dev/leader': 'true' });
    expect(find('PodDisruptionBudget', 'scaleplan-control-plane').spec).toMatchObject({ maxUnavailable: 1 });
    expect('replicas' in find('Deployment', 'scaleplan-worker').spec).toBe(false);
  });

  const sampleDir = join(repoRoot, 'k8s', 'samples');
  it.each(readdirSync(sampleDir).filter((f) => f.endsWith('.yaml')))('sample %s is a valid resource', (file) => {
    const docs = parseDocs(readFileSync(join(sampleDir, file), 'utf8'));
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      const schema = doc.kind === 'ComputeBudget' ? computeBudgetSchema : doc.kind === 'ScalingLaw' ? scalingLawSchema : undefined;
      if (!schema) throw new Error(`${file}: unexpected kind ${doc.kind}`);
      const parsed = schema.safeParse(doc);
      expect(parsed.success, `${file} ${doc.metadata.name}: ${parsed.error?.message}`).toBe(true);
      // The control plane's own checks too: every sweep budget is large enough for the smallest model.
      if (doc.kind === 'ScalingLaw') expect(() => validateScalingLaw(doc, 'default')).not.toThrow();
    }
  });
});

describe('k8s-overlays/jobs (dispatch mode jobs)', () => {
  const rendered = parseDocs(
    execFileSync(KUBECTL, ['kustomize', join(repoRoot, 'k8s-overlays', 'jobs')], {
      encoding: 'utf8',
      env: { ...process.env, HOME: mkdtempSync(join(tmpdir(), 'kubectl-home-')) },
    }),
  );
  const find = (kind: string, name: string) => rendered.find((m) => m.kind === kind && m.metadata.name === name) as any;

  it('turns on mode jobs with a report URL and the final-run PriorityClass it installs', () => {
    const container = find('Deployment', 'scaleplan-control-plane').spec.template.spec.containers[0];
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      SCALEPLAN_DISPATCH: 'kubernetes',
      SCALEPLAN_KUBE_DISPATCH: 'jobs',
      SCALEPLAN_REPORT_URL: 'http://scaleplan-control-plane.scaleplan.svc',
      SCALEPLAN_FINAL_RUN_PRIORITY_CLASS: 'scaleplan-final-run',
      SCALEPLAN_WORKER_DEPLOYMENT: '',
    });
    expect(find('PriorityClass', 'scaleplan-final-run')).toMatchObject({ value: 1000, globalDefault: false });
  });

  it('adds only the rights the Job dispatcher uses: no reading Secrets, no wildcard', () => {
    const role = find('ClusterRole', 'scaleplan-control-plane-run-jobs');
    expect(role.rules).toEqual([
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'list', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
    ]);
    expect(find('ClusterRoleBinding', 'scaleplan-control-plane-run-jobs').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'scaleplan-control-plane', namespace: 'scaleplan' },
    ]);
  });
});
