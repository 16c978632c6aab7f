import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { CHART_DIR, ciScenarios, HelmRenderError, type Manifest, renderChart, type RenderResult } from './support/helm-render.js';

const scenarios = ciScenarios();
let rendered: Promise<[string, RenderResult][]> | undefined;
/** The default values and every ci/ scenario, rendered once for the whole file. */
const all = (): Promise<[string, RenderResult][]> =>
  (rendered ??= (async () => [
    ['default values', await renderChart()] as [string, RenderResult],
    ...(await Promise.all(
      Object.entries(scenarios).map(async ([file, text]) => [file, await renderChart({ valuesYaml: [text] })] as [string, RenderResult]),
    )),
  ])());
const find = (result: RenderResult, kind: string, component?: string): Manifest[] =>
  result.manifests.filter(
    (m) => m.kind === kind && (component === undefined || m.metadata.labels?.['app.kubernetes.io/component'] === component),
  );
const one = (result: RenderResult, kind: string, component?: string): Manifest => {
  const found = find(result, kind, component);
  expect(found, `exactly one ${kind}${component ? ` (${component})` : ''}`).toHaveLength(1);
  return found[0]!;
};
const podSpecs = (result: RenderResult) =>
  result.manifests
    .filter((m) => ['Deployment', 'StatefulSet'].includes(m.kind))
    .map((m) => ({
      owner: `${m.kind}/${m.metadata.name}`,
      spec: m.spec.template.spec,
      labels: m.spec.template.metadata.labels as Record<string, string>,
      claimTemplates: ((m.spec.volumeClaimTemplates ?? []) as Manifest[]).map((t) => t.metadata.name),
    }));
const env = (container: { env?: { name: string; value?: string; valueFrom?: unknown }[] }) =>
  new Map((container.env ?? []).map((e) => [e.name, e]));
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('helm/scaleplan renders', () => {
  it('has the expected ci scenarios', () => {
    expect(Object.keys(scenarios)).toEqual(
      expect.arrayContaining([
        'gpu-workers-values.yaml',
        'external-redis-values.yaml',
        'autoscaling-keda-values.yaml',
        'autoscaling-control-plane-values.yaml',
        'autoscaling-off-values.yaml',
      ]),
    );
  });

  it('labels every object with the standard labels and unique kind/name', async () => {
    for (const [scenario, result] of await all()) {
      const seen = new Set<string>();
      for (const m of result.manifests) {
        const id = `${m.kind}/${m.metadata.name}`;
        expect(seen.has(id), `${scenario}: duplicate ${id}`).toBe(false);
        seen.add(id);
        expect(m.metadata.labels, `${scenario}: ${id}`).toMatchObject({
          'helm.sh/chart': 'scaleplan-0.1.0',
          'app.kubernetes.io/name': 'scaleplan',
          'app.kubernetes.io/instance': 'sp',
          'app.kubernetes.io/managed-by': 'Helm',
          'app.kubernetes.io/version': '0.1.0',
        });
        expect(['control-plane', 'worker', 'redis'], `${scenario}: ${id} component`).toContain(
          m.metadata.labels?.['app.kubernetes.io/component'],
        );
        if (m.kind !== 'ClusterRole' && m.kind !== 'ClusterRoleBinding')
          expect(m.metadata.namespace, `${scenario}: ${id}`).toBe('scaleplan');
      }
    }
  });

  it('selects its own pods: Deployment/StatefulSet selectors match their template labels, Services match pods', async () => {
    for (const [scenario, result] of await all()) {
      for (const w of result.manifests.filter((m) => ['Deployment', 'StatefulSet'].includes(m.kind))) {
        expect(matches(w.spec.selector.matchLabels, w.spec.template.metadata.labels), `${scenario}: ${w.metadata.name}`).toBe(true);
      }
      for (const service of find(result, 'Service')) {
        // The leader label is set at run time by the control plane that holds the Lease (kube/leader-pod-label.ts).
        const { 'scaleplan.dev/leader': leader, ...selector } = service.spec.selector as Record<string, string>;
        if (leader !== undefined) expect(leader, `${scenario}: Service ${service.metadata.name} leader label`).toBe('true');
        const targets = podSpecs(result).filter((p) => matches(selector, p.labels));
        expect(targets.length, `${scenario}: Service ${service.metadata.name} selects a workload`).toBe(1);
      }
    }
  });

  it('hardens every pod and container (non-root, read-only root, drop ALL, RuntimeDefault seccomp, /tmp emptyDir)', async () => {
    for (const [scenario, result] of await all()) {
      const pods = podSpecs(result);
      expect(pods.length).toBeGreaterThanOrEqual(2);
      for (const { owner, spec } of pods) {
        expect(spec.securityContext, `${scenario}: ${owner}`).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect([spec.hostNetwork, spec.hostPID, spec.hostIPC].filter(Boolean), `${scenario}: ${owner} host namespaces`).toEqual([]);
        expect(
          (spec.volumes ?? []).filter((v: { hostPath?: unknown }) => v.hostPath),
          `${scenario}: ${owner} hostPath`,
        ).toEqual([]);
        for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
          expect(container.securityContext, `${scenario}: ${owner}/${container.name}`).toMatchObject({
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
          });
          expect(container.securityContext.privileged, `${scenario}: ${owner}/${container.name} privileged`).toBeFalsy();
          expect(container.securityContext.capabilities.add, `${scenario}: ${owner}/${container.name} adds no capability`).toBeUndefined();
          const mounts = new Map((container.volumeMounts ?? []).map((v: { name: string; mountPath: string }) => [v.mountPath, v.name]));
          expect(mounts.get('/tmp'), `${scenario}: ${owner}/${container.name} mounts /tmp`).toBe('tmp');
          expect(
            spec.volumes.find((v: { name: string }) => v.name === 'tmp')?.emptyDir,
            `${scenario}: ${owner} tmp is an emptyDir`,
          ).toBeDefined();
        }
      }
    }
  });

  it('gives workers no API credentials and the control plane a ServiceAccount', async () => {
    for (const [scenario, result] of await all()) {
      expect(one(result, 'Deployment', 'worker').spec.template.spec.automountServiceAccountToken, scenario).toBe(false);
      expect(one(result, 'Deployment', 'worker').spec.template.spec.serviceAccountName, scenario).toBeUndefined();
      const cp = one(result, 'Deployment', 'control-plane').spec.template.spec;
      expect(cp.serviceAccountName).toBe(one(result, 'ServiceAccount').metadata.name);
    }
  });

  it('sets the environment contract on the control plane and the worker', async () => {
    const result = await renderChart();
    const cp = env(one(result, 'Deployment', 'control-plane').spec.template.spec.containers[0]);
    for (const name of [
      'PORT',
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
    ]) {
      expect(cp.has(name), `control plane env ${name}`).toBe(true);
    }
    expect(cp.get('SCALEPLAN_DISPATCH')?.value).toBe('kubernetes');
    expect(cp.get('SCALEPLAN_NAMESPACE')?.value).toBe('scaleplan');
    expect(cp.get('REDIS_URL')?.value).toBe('redis://:$(REDIS_PASSWORD)@sp-scaleplan-redis.scaleplan.svc:6379/0');
    const names = [...cp.keys()];
    expect(names.indexOf('REDIS_PASSWORD'), 'REDIS_PASSWORD is defined before REDIS_URL expands it').toBeLessThan(
      names.indexOf('REDIS_URL'),
    );
    const worker = env(one(result, 'Deployment', 'worker').spec.template.spec.containers[0]);
    for (const name of [
      'REDIS_URL',
      'SCALEPLAN_QUEUE_PREFIX',
      'SCALEPLAN_CHECKPOINT_DIR',
      'SCALEPLAN_TFJS_BACKEND',
      'SCALEPLAN_LOCK_DURATION_MS',
      'SCALEPLAN_STALLED_INTERVAL_MS',
      'LOG_LEVEL',
    ]) {
      expect(worker.has(name), `worker env ${name}`).toBe(true);
    }
    for (const [, e] of [...cp, ...worker])
      expect(e.value === undefined || typeof e.value === 'string', `${e.name} is a string`).toBe(true);
  });

  it('mounts the dashboard token from a Secret, generated on install and kept, or an existing one', async () => {
    const install = await renderChart();
    const secret = find(install, 'Secret').find((s) => s.metadata.name === 'sp-scaleplan-dashboard-token')!;
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(Buffer.from(secret.data.token, 'base64').toString()).toMatch(/^[A-Za-z0-9]{40}$/);
    const cp = one(install, 'Deployment', 'control-plane').spec.template.spec;
    expect(cp.volumes.find((v: { name: string }) => v.name === 'dashboard-token').secret).toEqual({
      secretName: 'sp-scaleplan-dashboard-token',
      items: [{ key: 'token', path: 'token' }],
    });

    // On upgrade a generated token is not re-rendered (it would change); Helm keeps the installed one.
    const upgrade = await renderChart({ isUpgrade: true });
    expect(find(upgrade, 'Secret')).toHaveLength(0);

    const existing = await renderChart({ valuesYaml: [scenarios['external-redis-values.yaml']!] });
    expect(find(existing, 'Secret')).toHaveLength(0);
    const volume = one(existing, 'Deployment', 'control-plane').spec.template.spec.volumes.find(
      (v: { name: string }) => v.name === 'dashboard-token',
    );
    expect(volume.secret).toEqual({ secretName: 'scaleplan-dashboard', items: [{ key: 'bearer', path: 'token' }] });
  });

  it('references only Secrets, ConfigMaps, claims and ServiceAccounts that it renders or that values name as existing', async () => {
    for (const [scenario, result] of await all()) {
      const rendered = (kind: string) => new Set(find(result, kind).map((m) => m.metadata.name));
      const v = result.values as {
        controlPlane: { dashboardToken: { existingSecret: string } };
        redis: { auth: { existingSecret: string }; external: { existingSecret: string } };
        worker: { checkpoints: { persistence: { existingClaim: string } } };
      };
      const existing = new Set(
        [
          v.controlPlane.dashboardToken.existingSecret,
          v.redis.auth.existingSecret,
          v.redis.external.existingSecret,
          v.worker.checkpoints.persistence.existingClaim,
        ].filter(Boolean),
      );
      const secrets = rendered('Secret');
      for (const { owner, spec, claimTemplates } of podSpecs(result)) {
        for (const container of spec.containers) {
          for (const e of container.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            if (ref)
              expect(secrets.has(ref.name) || existing.has(ref.name), `${scenario}: ${owner} env ${e.name} → Secret ${ref.name}`).toBe(
                true,
              );
          }
          for (const mount of container.volumeMounts ?? [])
            expect(
              spec.volumes.some((vol: { name: string }) => vol.name === mount.name) || claimTemplates.includes(mount.name),
              `${scenario}: ${owner} mounts ${mount.name}`,
            ).toBe(true);
        }
        for (const volume of spec.volumes ?? []) {
          if (volume.secret)
            expect(
              secrets.has(volume.secret.secretName) || existing.has(volume.secret.secretName),
              `${scenario}: ${owner} volume Secret ${volume.secret.secretName}`,
            ).toBe(true);
          if (volume.configMap)
            expect(rendered('ConfigMap').has(volume.configMap.name), `${scenario}: ${owner} ConfigMap ${volume.configMap.name}`).toBe(true);
          if (volume.persistentVolumeClaim) {
            const claim = volume.persistentVolumeClaim.claimName;
            expect(rendered('PersistentVolumeClaim').has(claim) || existing.has(claim), `${scenario}: ${owner} claim ${claim}`).toBe(true);
          }
        }
        if (spec.serviceAccountName)
          expect(rendered('ServiceAccount').has(spec.serviceAccountName), `${scenario}: ${owner} ServiceAccount`).toBe(true);
      }
      for (const auth of find(result, 'TriggerAuthentication')) {
        for (const ref of auth.spec.secretTargetRef)
          expect(secrets.has(ref.name) || existing.has(ref.name), `${scenario}: TriggerAuthentication → ${ref.name}`).toBe(true);
      }
    }
  });

  it('renders a token given in values on every upgrade, without the keep policy', async () => {
    const result = await renderChart({ valuesYaml: ['controlPlane: {dashboardToken: {value: s3cr3t-token}}'], isUpgrade: true });
    const secret = one(result, 'Secret');
    expect(Buffer.from(secret.data.token, 'base64').toString()).toBe('s3cr3t-token');
    expect(secret.metadata.annotations).toBeUndefined();
  });

  it('runs Redis as a StatefulSet with AOF, noeviction, a PVC and a password Secret', async () => {
    const result = await renderChart();
    const sts = one(result, 'StatefulSet', 'redis');
    const conf = one(result, 'ConfigMap', 'redis').data['redis.conf'] as string;
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('8Gi');
    const container = sts.spec.template.spec.containers[0];
    expect(container.args.join(' ')).toContain('--requirepass "$REDIS_PASSWORD"');
    const password = env(container).get('REDIS_PASSWORD')?.valueFrom as { secretKeyRef: { name: string; key: string } };
    const secret = find(result, 'Secret').find((s) => s.metadata.name === password.secretKeyRef.name)!;
    expect(Object.keys(secret.data)).toEqual([password.secretKeyRef.key]);
    expect(sts.spec.template.metadata.annotations['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
  });

  it('uses an external Redis with the password from an existing Secret', async () => {
    const result = await renderChart({ valuesYaml: [scenarios['external-redis-values.yaml']!] });
    expect(find(result, 'StatefulSet')).toHaveLength(0);
    for (const component of ['control-plane', 'worker']) {
      const e = env(one(result, 'Deployment', component).spec.template.spec.containers[0]);
      expect(e.get('REDIS_URL')?.value).toBe('rediss://:$(REDIS_PASSWORD)@redis.example.internal:6380/2');
      expect(e.get('REDIS_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'managed-redis', key: 'password' } });
    }
    const workerPolicy = find(result, 'NetworkPolicy').find((p) => p.metadata.labels?.['app.kubernetes.io/component'] === 'worker')!;
    expect(workerPolicy.spec.egress[0]).toEqual({ ports: [{ port: 6380, protocol: 'TCP' }] });
  });

  it('requests GPUs with the GPU image, node placement and a checkpoint PVC in the gpu-workers scenario', async () => {
    const result = await renderChart({ valuesYaml: [scenarios['gpu-workers-values.yaml']!] });
    const worker = one(result, 'Deployment', 'worker');
    expect(worker.spec.replicas).toBe(2);
    const pod = worker.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe('ghcr.io/scaleplan/worker-gpu:0.1.0');
    expect(container.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(container.resources.limits.memory).toBe('24Gi');
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-accelerator': 'nvidia-l4' });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.priorityClassName).toBe('scaleplan-training');
    expect(pod.affinity.podAntiAffinity).toBeDefined();
    const pvc = one(result, 'PersistentVolumeClaim', 'worker');
    expect(pod.volumes.find((v: { name: string }) => v.name === 'checkpoints').persistentVolumeClaim.claimName).toBe(pvc.metadata.name);
    expect(pvc.spec).toMatchObject({
      accessModes: ['ReadWriteMany'],
      storageClassName: 'standard-rwx',
      resources: { requests: { storage: '50Gi' } },
    });
    expect(container.volumeMounts).toContainEqual({ name: 'checkpoints', mountPath: '/var/lib/scaleplan/checkpoints' });
    expect(one(result, 'PodDisruptionBudget', 'worker').spec.maxUnavailable).toBe(1);
    // The default (CPU) worker has no GPU limit and an emptyDir for checkpoints.
    const cpu = one(await renderChart(), 'Deployment', 'worker').spec.template.spec;
    expect(cpu.containers[0].resources.limits['nvidia.com/gpu']).toBeUndefined();
    expect(cpu.volumes.find((v: { name: string }) => v.name === 'checkpoints').emptyDir).toEqual({ sizeLimit: '5Gi' });
  });

  it('omits worker replicas whenever autoscaling is on, and keeps them when it is off', async () => {
    for (const [scenario, result] of await all()) {
      const worker = one(result, 'Deployment', 'worker');
      const autoscaling = (result.values.worker as { autoscaling: { enabled: boolean } }).autoscaling.enabled;
      if (autoscaling) expect('replicas' in worker.spec, `${scenario}: no replicas`).toBe(false);
      else expect(worker.spec.replicas, scenario).toBe((result.values.worker as { replicas: number }).replicas);
    }
    const off = await renderChart({ valuesYaml: [scenarios['autoscaling-off-values.yaml']!] });
    expect(one(off, 'Deployment', 'worker').spec.replicas).toBe(8);
    const upgraded = await renderChart({ valuesYaml: ['worker: {replicas: 3}'], isUpgrade: true });
    expect(one(upgraded, 'Deployment', 'worker').spec.replicas).toBe(3);
  });

  it('lets the control plane scale the worker Deployment through its scale subresource only', async () => {
    const result = await renderChart({ valuesYaml: [scenarios['autoscaling-control-plane-values.yaml']!] });
    const worker = one(result, 'Deployment', 'worker');
    const e = env(one(result, 'Deployment', 'control-plane').spec.template.spec.containers[0]);
    expect(e.get('SCALEPLAN_WORKER_DEPLOYMENT')?.value).toBe(worker.metadata.name);
    expect(e.get('SCALEPLAN_WORKERS_MIN')?.value).toBe('1');
    expect(e.get('SCALEPLAN_WORKERS_MAX')?.value).toBe('6');
    expect(e.get('SCALEPLAN_NAMESPACE')?.value).toBe('');
    const scaleRole = find(result, 'Role').find((r) => r.metadata.name === 'sp-scaleplan-scale-workers')!;
    expect(scaleRole.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], resourceNames: [worker.metadata.name], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: [worker.metadata.name], verbs: ['get', 'patch', 'update'] },
    ]);
    // Watching all namespaces: the CR rules become a ClusterRole bound to the control plane's ServiceAccount.
    const clusterRole = find(result, 'ClusterRole').find((r) => !r.metadata.name.endsWith('-access-review'))!;
    expect(clusterRole.rules.map((r: { resources: string[] }) => r.resources).flat()).toEqual(
      expect.arrayContaining([
        'computebudgets',
        'computebudgets/status',
        'computebudgets/finalizers',
        'scalinglaws/status',
        'events',
        'jobs',
        'pods',
      ]),
    );
    const binding = find(result, 'ClusterRoleBinding').find((b) => b.metadata.name === clusterRole.metadata.name)!;
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: one(result, 'ServiceAccount').metadata.name, namespace: 'scaleplan' },
    ]);
    // Default (one namespace, no autoscaling): a namespaced Role and no write access to Deployments at all.
    const plain = await renderChart();
    // Only the cluster-scoped reviews (TokenReview, SubjectAccessReview) need a ClusterRole then.
    expect(find(plain, 'ClusterRole').map((r) => r.metadata.name)).toEqual(['sp-scaleplan-access-review']);
    const rules = find(plain, 'Role').flatMap((r) => r.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]);
    expect(rules.some((r) => r.apiGroups.includes('apps'))).toBe(false);
    expect(rules.flatMap((r) => r.verbs)).not.toContain('*');
    expect(env(one(plain, 'Deployment', 'control-plane').spec.template.spec.containers[0]).get('SCALEPLAN_WORKER_DEPLOYMENT')?.value).toBe(
      '',
    );
  });

  it('renders a KEDA ScaledObject on the BullMQ keys that hold queued and running runs', async () => {
    const result = await renderChart({ valuesYaml: [scenarios['autoscaling-keda-values.yaml']!] });
    const scaled = one(result, 'ScaledObject');
    const worker = one(result, 'Deployment', 'worker');
    expect(scaled.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: worker.metadata.name });
    expect(scaled.spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 8 });
    expect(scaled.spec.triggers.map((t: { metadata: { listName: string } }) => t.metadata.listName)).toEqual([
      'scaleplan:runs:wait',
      'scaleplan:runs:prioritized',
      'scaleplan:runs:delayed',
      'scaleplan:runs:active',
    ]);
    expect(scaled.spec.advanced.scalingModifiers.formula).toBe('wait + prioritized + delayed + active');
    for (const trigger of scaled.spec.triggers) {
      expect(trigger).toMatchObject({
        type: 'redis',
        metadata: { address: 'sp-scaleplan-redis.scaleplan.svc:6379', databaseIndex: '0' },
        authenticationRef: { name: 'sp-scaleplan-keda-redis' },
      });
    }
    const auth = one(result, 'TriggerAuthentication');
    expect(auth.spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'sp-scaleplan-redis', key: 'redis-password' }]);
    expect(env(one(result, 'Deployment', 'control-plane').spec.template.spec.containers[0]).get('SCALEPLAN_WORKER_DEPLOYMENT')?.value).toBe(
      '',
    );
    // KEDA's operator must be allowed through Redis's NetworkPolicy.
    const redisPolicy = find(result, 'NetworkPolicy').find((p) => p.metadata.labels?.['app.kubernetes.io/component'] === 'redis')!;
    expect(redisPolicy.spec.ingress[0].from).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'keda' } },
    });
    expect(one(result, 'ServiceMonitor').spec.endpoints).toEqual([
      {
        port: 'http',
        path: '/metrics',
        interval: '30s',
        authorization: { type: 'Bearer', credentials: { name: 'sp-scaleplan-dashboard-token', key: 'token' } },
      },
    ]);

    const external = await renderChart({ valuesYaml: [scenarios['autoscaling-keda-external-redis-values.yaml']!] });
    const externalScaled = one(external, 'ScaledObject');
    expect(find(external, 'TriggerAuthentication')).toHaveLength(0);
    expect(externalScaled.spec.advanced).toBeUndefined();
    expect(externalScaled.spec.triggers[0].metadata).toMatchObject({ address: 'redis.example.internal:6379', databaseIndex: '0' });
  });

  it('restricts traffic: workers reach only Redis and DNS, Redis accepts only ScalePlan pods', async () => {
    const result = await renderChart();
    const policies = find(result, 'NetworkPolicy');
    const byComponent = (c: string) => policies.find((p) => p.metadata.labels?.['app.kubernetes.io/component'] === c)!;
    const pods = podSpecs(result);
    const podOf = (component: string) => pods.find((p) => p.labels['app.kubernetes.io/component'] === component)!;
    for (const component of ['worker', 'control-plane', 'redis']) {
      const policy = byComponent(component);
      expect(matches(policy.spec.podSelector.matchLabels, podOf(component).labels), `${component} policy selects its pods`).toBe(true);
      expect(pods.filter((p) => matches(policy.spec.podSelector.matchLabels, p.labels))).toHaveLength(1);
    }
    const worker = byComponent('worker');
    expect(worker.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(worker.spec.ingress).toEqual([]);
    expect(worker.spec.egress).toHaveLength(2);
    expect(matches(worker.spec.egress[0].to[0].podSelector.matchLabels, podOf('redis').labels)).toBe(true);
    expect(worker.spec.egress[0].ports).toEqual([{ port: 6379, protocol: 'TCP' }]);
    expect(worker.spec.egress[1].ports.map((p: { port: number }) => p.port)).toEqual([53, 53]);
    const redisFrom = byComponent('redis').spec.ingress[0].from[0].podSelector.matchExpressions as { key: string; values: string[] }[];
    const admits = (labels: Record<string, string>) => redisFrom.every((e) => e.values.includes(labels[e.key] ?? ''));
    expect(admits(podOf('worker').labels)).toBe(true);
    expect(admits(podOf('control-plane').labels)).toBe(true);
    expect(admits({ ...podOf('worker').labels, 'app.kubernetes.io/instance': 'another-release' })).toBe(false);
    expect(find(await renderChart({ valuesYaml: [scenarios['autoscaling-off-values.yaml']!] }), 'NetworkPolicy')).toHaveLength(0);
  });

  it('truncates long names to 63 characters and keeps them DNS-safe', async () => {
    const result = await renderChart({ releaseName: 'a-very-long-release-name-that-goes-on-and-on-and-on-forever-more' });
    for (const m of result.manifests) {
      expect(m.metadata.name.length, m.metadata.name).toBeLessThanOrEqual(63);
      expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const names = result.manifests.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('explains how to submit a first budget in NOTES.txt', async () => {
    const { notes } = await renderChart();
    expect(notes).toContain('kind: ComputeBudget');
    expect(notes).toContain('kubectl apply -n scaleplan -f -');
    expect(notes).toContain('kubectl get cb -n scaleplan');
    const keda = await renderChart({ valuesYaml: [scenarios['autoscaling-keda-values.yaml']!] });
    expect(keda.notes).toContain('scaleplan:runs:prioritized (sorted set)');
  });

  it('fails with a clear message on values the templates cannot honour', async () => {
    await expect(renderChart({ valuesYaml: ['redis: {enabled: false}'] })).rejects.toThrow(
      new HelmRenderError(
        'execution error at (scaleplan/templates/control-plane/deployment.yaml:58:16): redis.external.url is required when redis.enabled=false (e.g. redis://my-redis.example:6379/0)',
      ),
    );
    await expect(renderChart({ valuesYaml: ['worker: {autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}}'] })).rejects.toThrow(
      /worker.autoscaling.minReplicas \(5\) must not exceed worker.autoscaling.maxReplicas \(2\)/,
    );
    await expect(
      renderChart({
        valuesYaml: ['redis: {enabled: false, external: {url: "redis://r:6379"}}\nworker: {autoscaling: {enabled: true, mode: keda}}'],
      }),
    ).rejects.toThrow(/worker.autoscaling.keda.redisAddress \(host:port\) is required for KEDA with external Redis/);
  });
});

describe('helm/scaleplan high availability', () => {
  it('runs two control planes that elect a leader on a Lease, routes the Service to the leader, and lets a drain take one', async () => {
    const result = await renderChart();
    const deployment = one(result, 'Deployment', 'control-plane');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    const cp = env(deployment.spec.template.spec.containers[0]);
    expect(cp.get('SCALEPLAN_LEADER_LEASE_SECONDS')?.value).toBe('12');
    expect(cp.get('SCALEPLAN_POD_NAME')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(cp.get('SCALEPLAN_POD_NAMESPACE')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.namespace' } });
    expect(one(result, 'Service', 'control-plane').spec.selector['scaleplan.dev/leader']).toBe('true');
    expect(one(result, 'PodDisruptionBudget', 'control-plane').spec.maxUnavailable).toBe(1);
    const election = result.manifests.find((m) => m.kind === 'Role' && m.metadata.name.endsWith('-leader-election'));
    expect(election?.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'patch'] },
    ]);
  });
});

/** The kustomize overlay the chart's dispatch mode jobs mirrors (`kubectl apply -k k8s-overlays/jobs`). */
const overlay = (file: string): Manifest[] =>
  parseAllDocuments(readFileSync(join(CHART_DIR, '..', '..', 'k8s-overlays', 'jobs', file), 'utf8')).map((d) => d.toJS() as Manifest);
const JOBS = 'dispatch: {mode: jobs}';
const runJobsRbac = (result: RenderResult) => result.manifests.filter((m) => m.metadata.name.endsWith('-run-jobs'));

describe('helm/scaleplan dispatch mode jobs', () => {
  it("sets the env the overlay sets, grants the overlay's Job rights, installs the final-run PriorityClass and renders no worker objects", async () => {
    // Worker options that would render a PVC, a PodDisruptionBudget and KEDA objects in mode deployment.
    const result = await renderChart({
      valuesYaml: [
        `${JOBS}\nworker: {autoscaling: {enabled: true, mode: keda}, podDisruptionBudget: {enabled: true}, checkpoints: {persistence: {enabled: true}}}`,
      ],
    });
    expect(find(result, 'Deployment', 'worker')).toEqual([]);
    for (const kind of ['ScaledObject', 'TriggerAuthentication', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'NetworkPolicy'])
      expect(find(result, kind, 'worker'), `no worker ${kind}`).toEqual([]);
    expect(find(result, 'Role').map((r) => r.metadata.name)).not.toContain('sp-scaleplan-scale-workers');

    const pc = one(result, 'PriorityClass');
    const overlayPc = overlay('final-run-priority-class.yaml')[0]!;
    expect(pc.metadata.name).toBe('sp-scaleplan-final-run');
    expect(pc.metadata.namespace, 'PriorityClasses are cluster-scoped').toBeUndefined();
    expect(pc).toMatchObject({
      apiVersion: overlayPc.apiVersion,
      value: overlayPc.value,
      globalDefault: overlayPc.globalDefault,
      preemptionPolicy: overlayPc.preemptionPolicy,
    });

    const cp = env(one(result, 'Deployment', 'control-plane').spec.template.spec.containers[0]);
    const overlayEnv = (overlay('control-plane-dispatch-jobs.yaml')[0]!.spec.template.spec.containers[0].env as { name: string }[]).map(
      (e) => e.name,
    );
    for (const name of overlayEnv) expect(cp.has(name), `control plane env ${name} (set by the overlay)`).toBe(true);
    expect(cp.get('SCALEPLAN_KUBE_DISPATCH')?.value).toBe('jobs');
    expect(cp.get('SCALEPLAN_WORKER_DEPLOYMENT')?.value).toBe('');
    expect(cp.get('SCALEPLAN_FINAL_RUN_PRIORITY_CLASS')?.value).toBe(pc.metadata.name);
    const service = one(result, 'Service', 'control-plane');
    expect(cp.get('SCALEPLAN_REPORT_URL')?.value).toBe(`http://${service.metadata.name}.scaleplan.svc:${service.spec.ports[0].port}`);
    expect(Object.fromEntries(['MIN', 'MAX'].map((k) => [k, cp.get(`SCALEPLAN_WORKERS_${k}`)?.value]))).toEqual({ MIN: '0', MAX: '4' });
    expect(cp.get('SCALEPLAN_SWEEP_RUN_PRIORITY_CLASS')?.value).toBe('');
    expect(cp.get('SCALEPLAN_RUN_JOB_TTL_SECONDS')?.value).toBe('3600');
    expect(cp.get('SCALEPLAN_RUN_TIMEOUT_SECONDS')?.value).toBe('86400');
    expect(cp.get('SCALEPLAN_WORKER_IMAGE')?.value, 'the built-in trainer').toBe('ghcr.io/scaleplan/worker:0.1.0');
    for (const [, e] of cp) expect(e.value === undefined || typeof e.value === 'string', `${e.name} is a string`).toBe(true);

    // The overlay's ClusterRole, as a Role in the release namespace (the operator watches that one only).
    const overlayRole = overlay('run-jobs-cluster-role.yaml').find((m) => m.kind === 'ClusterRole')!;
    const [role, binding] = runJobsRbac(result);
    expect([role?.kind, binding?.kind]).toEqual(['Role', 'RoleBinding']);
    expect(role!.metadata).toMatchObject({ name: 'sp-scaleplan-run-jobs', namespace: 'scaleplan' });
    expect(role!.rules).toEqual(overlayRole.rules);
    expect(binding!.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role!.metadata.name });
    expect(binding!.subjects).toEqual([
      { kind: 'ServiceAccount', name: one(result, 'ServiceAccount').metadata.name, namespace: 'scaleplan' },
    ]);

    for (const m of result.manifests) {
      expect(m.metadata.labels, `${m.kind}/${m.metadata.name}`).toMatchObject({
        'helm.sh/chart': 'scaleplan-0.1.0',
        'app.kubernetes.io/instance': 'sp',
        'app.kubernetes.io/managed-by': 'Helm',
      });
      expect(['control-plane', 'redis'], `${m.kind}/${m.metadata.name} component`).toContain(
        m.metadata.labels?.['app.kubernetes.io/component'],
      );
    }
    expect(result.notes).toContain('4. Runs (dispatch mode jobs)');
    expect(result.notes).toContain('kubectl get jobs -n scaleplan -l app.kubernetes.io/managed-by=scaleplan');
    expect(result.notes).not.toContain('4. Workers');
  });

  it('follows watchAllNamespaces, and takes an existing PriorityClass, a report URL and trainers through the NetworkPolicy', async () => {
    const result = await renderChart({
      valuesYaml: [
        JOBS,
        `controlPlane: {watchAllNamespaces: true}
dispatch:
  jobs:
    maxRunJobs: 32
    reportUrl: https://scaleplan.example.com
    ttlSecondsAfterFinished: 2592000
    sweepRunPriorityClassName: batch-low
    finalRunPriorityClass: {create: false, name: batch-high}
networkPolicy: {ingressFrom: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]}`,
      ],
    });
    const [role, binding] = runJobsRbac(result);
    expect([role?.kind, binding?.kind]).toEqual(['ClusterRole', 'ClusterRoleBinding']);
    expect(role!.metadata.namespace).toBeUndefined();
    expect(binding!.roleRef.kind).toBe('ClusterRole');
    expect(find(result, 'PriorityClass')).toEqual([]);
    const cp = env(one(result, 'Deployment', 'control-plane').spec.template.spec.containers[0]);
    expect(cp.get('SCALEPLAN_NAMESPACE')?.value).toBe('');
    expect(cp.get('SCALEPLAN_WORKERS_MAX')?.value).toBe('32');
    expect(cp.get('SCALEPLAN_REPORT_URL')?.value).toBe('https://scaleplan.example.com');
    expect(cp.get('SCALEPLAN_RUN_JOB_TTL_SECONDS')?.value, 'an integer, not 2.592e+06').toBe('2592000');
    expect(cp.get('SCALEPLAN_FINAL_RUN_PRIORITY_CLASS')?.value).toBe('batch-high');
    expect(cp.get('SCALEPLAN_SWEEP_RUN_PRIORITY_CLASS')?.value).toBe('batch-low');
    // With ingressFrom set, the run Jobs' trainers (in any namespace) may still POST their reports.
    const policy = one(result, 'NetworkPolicy', 'control-plane');
    expect(policy.spec.ingress[0].from).toContainEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'scaleplan', 'app.kubernetes.io/component': 'trainer' } },
      namespaceSelector: {},
    });

    const none = await renderChart({ valuesYaml: [JOBS, 'dispatch: {jobs: {finalRunPriorityClass: {create: false}}}'] });
    expect(find(none, 'PriorityClass')).toEqual([]);
    expect(
      env(one(none, 'Deployment', 'control-plane').spec.template.spec.containers[0]).get('SCALEPLAN_FINAL_RUN_PRIORITY_CLASS')?.value,
    ).toBe('');
  });

  it('leaves the default as it was: the worker Deployment, no Job RBAC, no PriorityClass, no SCALEPLAN_KUBE_DISPATCH', async () => {
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as { dispatch: { mode: string } };
    expect(values.dispatch.mode).toBe('deployment');
    for (const [scenario, result] of await all()) {
      expect(find(result, 'Deployment', 'worker'), scenario).toHaveLength(1);
      expect(runJobsRbac(result), scenario).toEqual([]);
      expect(find(result, 'PriorityClass'), scenario).toEqual([]);
      const cp = env(one(result, 'Deployment', 'control-plane').spec.template.spec.containers[0]);
      for (const name of ['SCALEPLAN_KUBE_DISPATCH', 'SCALEPLAN_REPORT_URL', 'SCALEPLAN_FINAL_RUN_PRIORITY_CLASS'])
        expect(cp.has(name), `${scenario}: ${name}`).toBe(false);
    }
    // Naming the default explicitly renders the same files.
    expect((await renderChart({ valuesYaml: ['dispatch: {mode: deployment}'] })).files).toEqual((await renderChart()).files);
  });

  it('fails with a message naming an unknown dispatch mode and the accepted ones', async () => {
    await expect(renderChart({ valuesYaml: ['dispatch: {mode: job}'] })).rejects.toThrow(
      /dispatch\.mode "job" is not supported: use deployment \(.*\) or jobs \(.*\)$/,
    );
    await expect(renderChart({ valuesYaml: ['dispatch: {mode: Jobs}'] })).rejects.toThrow(/dispatch\.mode "Jobs" is not supported/);
  });
});
