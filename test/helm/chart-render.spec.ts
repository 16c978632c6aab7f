import { describe, expect, it } from 'vitest';
import { ciScenarios, HelmRenderError, type Manifest, renderChart, type RenderResult } from './support/helm-render.js';

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
