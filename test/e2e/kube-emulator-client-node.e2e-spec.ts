// Drives the REAL @kubernetes/client-node 1.4 against the emulator with the kubelet simulator on: CustomObjectsApi
// CRUD + status patch, informers (list+watch, recovery after dropped watches, 410 relist), Jobs whose pod runs as a
// real process, and Deployment scaling. One emulator for the whole file.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeEmulator, type KubeEmulator } from '@scaleplan/kube-emulator';

const G = { group: 'example.scaleplan.dev', version: 'v1', namespace: 'default', plural: 'widgets' };
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

let emulator: KubeEmulator;
let dir: string;
let kc: k8s.KubeConfig;
let custom: k8s.CustomObjectsApi;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-emulator-e2e-'));
  emulator = await startKubeEmulator({
    kubeconfigPath: join(dir, 'kubeconfig'),
    kubelet: { workdir: dir, restartDelayMs: 100, killGraceMs: 500 },
  });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(emulator.kubeconfigPath);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  // loadYaml deserialises into the typed model; a plain parse would lose `default` (client-node maps it to `_default`).
  const crd = k8s.loadYaml<k8s.V1CustomResourceDefinition>(readFileSync('test/fixtures/kube/widget-crd.yaml', 'utf8'));
  await kc.makeApiClient(k8s.ApiextensionsV1Api).createCustomResourceDefinition({ body: crd });
});

afterAll(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const widget = (name: string, replicas = 1) => ({
  apiVersion: 'example.scaleplan.dev/v1',
  kind: 'Widget',
  metadata: { name },
  spec: { replicas, colour: 'red' },
});

describe('client-node 1.4 against the kube-emulator', () => {
  it('does CustomObjectsApi CRUD and a merge-patched status write', async () => {
    const created = await custom.createNamespacedCustomObject({ ...G, body: widget('one') });
    expect(created.metadata.generation).toBe(1);
    const got = await custom.getNamespacedCustomObject({ ...G, name: 'one' });
    expect(got.spec).toEqual({ replicas: 1, colour: 'red', size: 'medium' });
    const listed = await custom.listNamespacedCustomObject({ ...G });
    expect(listed.items.map((o: k8s.KubernetesObject) => o.metadata?.name)).toContain('one');
    const replaced = await custom.replaceNamespacedCustomObject({
      ...G,
      name: 'one',
      body: { ...got, spec: { ...got.spec, replicas: 3 } },
    });
    expect(replaced.metadata.generation).toBe(2);
    const withStatus = await custom.patchNamespacedCustomObjectStatus(
      { ...G, name: 'one', body: { status: { phase: 'Ready', observedGeneration: 2 } }, fieldManager: 'e2e' },
      MERGE,
    );
    expect(withStatus.status).toEqual({ phase: 'Ready', observedGeneration: 2 });
    expect(withStatus.metadata.generation).toBe(2);
    // A stale replace is a 409, surfaced as ApiException.code.
    await expect(custom.replaceNamespacedCustomObject({ ...G, name: 'one', body: got })).rejects.toMatchObject({ code: 409 });
    // The default patch content type of client-node is json-patch.
    await custom.patchNamespacedCustomObject({ ...G, name: 'one', body: [{ op: 'replace', path: '/spec/colour', value: 'green' }] });
    const applied = await custom.patchNamespacedCustomObject(
      { ...G, name: 'two', fieldManager: 'e2e', force: true, body: widget('two', 2) },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply),
    );
    expect(applied.metadata.managedFields[0]).toMatchObject({ manager: 'e2e', operation: 'Apply' });
    await custom.deleteNamespacedCustomObject({ ...G, name: 'one' });
    await expect(custom.getNamespacedCustomObject({ ...G, name: 'one' })).rejects.toMatchObject({ code: 404 });
  });

  it('keeps an informer in sync across dropped watches and a 410 relist', async () => {
    let lists = 0;
    let connects = 0;
    const informer = k8s.makeInformer<k8s.KubernetesObject>(kc, '/apis/example.scaleplan.dev/v1/namespaces/default/widgets', () => {
      lists += 1;
      return custom.listNamespacedCustomObject({ ...G });
    });
    const updates: string[] = [];
    informer.on('update', (o) => updates.push(`${o.metadata?.name}:${(o as { spec: { replicas: number } }).spec.replicas}`));
    informer.on('connect', () => (connects += 1));
    await informer.start();
    try {
      await custom.createNamespacedCustomObject({ ...G, body: widget('watched') });
      await until('the informer to see the new widget', () => informer.get('watched', 'default'));

      expect(emulator.dropWatches()).toBeGreaterThan(0);
      await until('a reconnect', () => connects >= 1);
      await custom.patchNamespacedCustomObject({ ...G, name: 'watched', body: { spec: { replicas: 2 } } }, MERGE);
      await until('the update after the dropped watch', () => updates.includes('watched:2'));
      expect(lists).toBe(1); // recovered from its resourceVersion, no relist

      // Drop the watch and expire its resourceVersion before it reconnects: the informer gets 410 and relists.
      emulator.dropWatches();
      emulator.api.patch(emulator.api.registry.find('example.scaleplan.dev', 'v1', 'widgets')!, 'default', 'watched', '', 'merge', {
        spec: { replicas: 3 },
      });
      emulator.compactEventLog();
      await until('a relist after 410 Gone', () => lists >= 2);
      await until(
        'the change made while disconnected',
        () => (informer.get('watched', 'default') as { spec?: { replicas: number } } | undefined)?.spec?.replicas === 3,
      );
    } finally {
      await informer.stop().catch(() => undefined); // client-node 1.4 reports the abort as an error
    }
  });

  it('runs a Job’s pod as a local process until the Job succeeds', async () => {
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    const job = await batch.createNamespacedJob({
      namespace: 'default',
      body: {
        metadata: { generateName: 'train-' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                {
                  name: 'worker',
                  image: 'scaleplan/worker',
                  command: [process.execPath, '-e'],
                  args: ["require('fs').writeFileSync('job-output.txt', `${process.env.GREETING} from ${process.env.POD_NAME}`)"],
                  env: [
                    { name: 'GREETING', value: 'hello' },
                    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  ],
                },
              ],
            },
          },
        },
      },
    });
    const name = job.metadata!.name!;
    const done = await until('the Job to succeed', async () => {
      const s = await batch.readNamespacedJobStatus({ name, namespace: 'default' });
      return s.status?.succeeded === 1 ? s : undefined;
    });
    expect(done.status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
    const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'default', labelSelector: `job-name=${name}` });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0]!;
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name, controller: true });
    expect(pod.status?.phase).toBe('Succeeded');
    expect(readFileSync(join(dir, 'job-output.txt'), 'utf8')).toBe(`hello from ${pod.metadata!.name}`);
  });

  it('marks a Job failed when its pod exits non-zero past the backoff limit', async () => {
    const batch = kc.makeApiClient(k8s.BatchV1Api);
    await batch.createNamespacedJob({
      namespace: 'default',
      body: {
        metadata: { name: 'fails' },
        spec: {
          backoffLimit: 1,
          template: {
            spec: { restartPolicy: 'Never', containers: [{ name: 'w', image: 'x', command: [process.execPath, '-e', 'process.exit(3)'] }] },
          },
        },
      },
    });
    const failed = await until('the Job to fail', async () => {
      const s = await batch.readNamespacedJobStatus({ name: 'fails', namespace: 'default' });
      return s.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') ? s : undefined;
    });
    expect(failed.status?.failed).toBe(2);
    expect(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
  });

  it('scales a Deployment through its scale subresource, killing the processes of removed pods', async () => {
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'workers' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'workers' } },
          template: {
            metadata: { labels: { app: 'workers' } },
            spec: {
              containers: [{ name: 'w', image: 'scaleplan/worker', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] }],
            },
          },
        },
      },
    });
    const pids = async () => {
      const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=workers' });
      return pods.items.map((p) => Number(p.status?.containerStatuses?.[0]?.containerID?.replace('emulator://', '') ?? 0));
    };
    await until('2 ready replicas', async () =>
      (await apps.readNamespacedDeploymentStatus({ name: 'workers', namespace: 'default' })).status?.readyReplicas === 2 ? true : undefined,
    );
    const before = await pids();
    expect(before.every((pid) => pid > 0 && alive(pid))).toBe(true);

    const scale = await apps.patchNamespacedDeploymentScale(
      { name: 'workers', namespace: 'default', body: { spec: { replicas: 1 } } },
      MERGE,
    );
    expect(scale.spec?.replicas).toBe(1);
    await until('1 pod left', async () => ((await pids()).length === 1 ? true : undefined));
    const [kept] = await pids();
    const removed = before.filter((p) => p !== kept);
    await until('the removed pod’s process to exit', () => (removed.every((p) => !alive(p)) ? true : undefined));
    expect((await apps.readNamespacedDeploymentScale({ name: 'workers', namespace: 'default' })).status?.replicas).toBe(1);

    await apps.deleteNamespacedDeployment({ name: 'workers', namespace: 'default', propagationPolicy: 'Background' });
    await until('pods garbage-collected', async () => ((await pids()).length === 0 ? true : undefined));
    await until('the last process to exit', () => (!alive(kept!) ? true : undefined));
  });
});
