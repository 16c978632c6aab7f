import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApi } from './kube-api.js';
import { Kubelet } from './kubelet.js';
import { ObjectStore } from './object-store.js';
import { ResourceRegistry } from './resource-registry.js';
import type { KubeObject } from './types.js';

let api: KubeApi;
let kubelet: Kubelet;
let dir: string;
const t = (group: string, plural: string) => api.registry.find(group, 'v1', plural)!;

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const podStatus = (name: string) => api.find(t('', 'pods'), 'default', name)?.status as Record<string, unknown> | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubelet-spec-'));
  api = new KubeApi(new ResourceRegistry(), new ObjectStore(1000));
  api.create(t('', 'namespaces'), undefined, { metadata: { name: 'default' } });
  kubelet = new Kubelet(api, {
    workdir: dir,
    restartDelayMs: 20,
    killGraceMs: 200,
    imageCommand: (image) =>
      image === 'scaleplan/echo'
        ? { command: [process.execPath, '-e', 'console.log("implicit entrypoint", process.argv.slice(1).join(" "))'] }
        : undefined,
  });
  kubelet.start();
});

afterEach(async () => {
  await kubelet.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pod = (name: string, container: Record<string, unknown>, restartPolicy = 'Never'): KubeObject => ({
  metadata: { name },
  spec: { restartPolicy, containers: [{ name: 'c', ...container }] },
});

describe('kubelet simulator', () => {
  it('runs an image through the imageCommand hook and serves its logs', async () => {
    api.create(t('', 'pods'), 'default', pod('implicit', { image: 'scaleplan/echo', args: ['a', 'b'] }));
    await until('success', () => podStatus('implicit')?.phase === 'Succeeded');
    expect(kubelet.logs('default', 'implicit')).toBe('implicit entrypoint a b\n');
  });

  it('leaves a pod Pending with a reason when it has no command and no mapping', async () => {
    api.create(t('', 'pods'), 'default', pod('nocmd', { image: 'unknown/image' }));
    const status = await until('a waiting reason', () => podStatus('nocmd'));
    expect(status).toMatchObject({ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'NoCommand' } } }] });
  });

  it('resolves env from values, fieldRefs, ConfigMaps and Secrets, in the configured workdir', async () => {
    api.create(t('', 'configmaps'), 'default', { metadata: { name: 'cfg' }, data: { MODE: 'fast' } });
    api.create(t('', 'secrets'), 'default', { metadata: { name: 'sec' }, data: { TOKEN: Buffer.from('s3cret').toString('base64') } });
    api.create(
      t('', 'pods'),
      'default',
      pod('env', {
        image: 'x',
        command: [
          process.execPath,
          '-e',
          'require("fs").writeFileSync("env.json", JSON.stringify([process.env.A, process.env.NS, process.env.MODE, process.env.TOKEN, process.env.B]))',
        ],
        env: [
          { name: 'A', value: 'plain' },
          { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'TOKEN' } } },
          { name: 'B', value: '$(A)-expanded' },
        ],
        envFrom: [{ configMapRef: { name: 'cfg' } }],
      }),
    );
    await until('success', () => podStatus('env')?.phase === 'Succeeded');
    expect(JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8'))).toEqual(['plain', 'default', 'fast', 's3cret', 'plain-expanded']);
  });

  it('restarts containers under restartPolicy Always and counts restarts', async () => {
    api.create(t('', 'pods'), 'default', pod('crashy', { image: 'x', command: [process.execPath, '-e', 'process.exit(1)'] }, 'Always'));
    await until(
      'two restarts',
      () => ((podStatus('crashy')?.containerStatuses as { restartCount: number }[] | undefined)?.[0]?.restartCount ?? 0) >= 2,
    );
    expect(podStatus('crashy')?.phase).toBe('Running');
  });

  it('marks a pod Failed with the exit code, and kills the process when a pod is deleted', async () => {
    api.create(t('', 'pods'), 'default', pod('exit3', { image: 'x', command: [process.execPath, '-e', 'process.exit(3)'] }));
    await until('failure', () => podStatus('exit3')?.phase === 'Failed');
    expect(podStatus('exit3')).toMatchObject({ containerStatuses: [{ state: { terminated: { exitCode: 3, reason: 'Error' } } }] });

    api.create(t('', 'pods'), 'default', pod('sleeper', { image: 'x', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] }));
    const running = await until('running', () => (podStatus('sleeper')?.phase === 'Running' ? podStatus('sleeper') : undefined));
    const pid = Number((running.containerStatuses as { containerID: string }[])[0]!.containerID.replace('emulator://', ''));
    api.delete(t('', 'pods'), 'default', 'sleeper');
    await until('the process to exit', () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
  });

  it('runs Job completions with parallelism and reports Complete', async () => {
    api.create(t('batch', 'jobs'), 'default', {
      metadata: { name: 'three' },
      spec: {
        completions: 3,
        parallelism: 2,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x', command: [process.execPath, '-e', ''] }] } },
      },
    });
    const job = await until('completion', () => {
      const j = api.find(t('batch', 'jobs'), 'default', 'three');
      return (j?.status as { succeeded?: number } | undefined)?.succeeded === 3 ? j : undefined;
    });
    expect((job.status as { conditions: { type: string }[] }).conditions.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(job.spec).toMatchObject({ selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': job.metadata.uid } } });
    expect(api.list(t('', 'pods'), 'default', { labelSelector: 'job-name=three' }).items).toHaveLength(3);
  });
});
