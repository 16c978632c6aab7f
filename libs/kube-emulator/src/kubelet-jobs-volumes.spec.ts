import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApi } from './kube-api.js';
import { Kubelet } from './kubelet.js';
import { ObjectStore } from './object-store.js';
import { ResourceRegistry } from './resource-registry.js';
import { ServiceAccountTokens } from './service-account-tokens.js';
import type { KubeObject } from './types.js';

let api: KubeApi;
let kubelet: Kubelet;
let dir: string;
let tokens: ServiceAccountTokens;
const t = (group: string, plural: string) => api.registry.find(group, 'v1', plural)!;

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Status = Record<string, unknown> & { conditions?: { type: string; status: string; reason?: string }[] };
const podStatus = (name: string) => api.find(t('', 'pods'), 'default', name)?.status as Status | undefined;
const jobStatus = (name: string) => api.find(t('batch', 'jobs'), 'default', name)?.status as Status | undefined;
const jobCondition = (name: string, type: string) => jobStatus(name)?.conditions?.find((c) => c.type === type && c.status === 'True');
const node = (script: string) => [process.execPath, '-e', script];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubelet-jobs-spec-'));
  tokens = new ServiceAccountTokens();
  api = new KubeApi(new ResourceRegistry(), new ObjectStore(1000));
  api.create(t('', 'namespaces'), undefined, { metadata: { name: 'default' } });
  kubelet = new Kubelet(api, { workdir: dir, restartDelayMs: 50, killGraceMs: 200, podRoot: join(dir, 'pods'), tokens });
  kubelet.start();
});

afterEach(async () => {
  await kubelet.stop();
  rmSync(dir, { recursive: true, force: true });
});

const job = (name: string, spec: Record<string, unknown>, script: string): KubeObject => ({
  metadata: { name },
  spec: {
    backoffLimit: 0,
    ...spec,
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x', command: node(script) }] } },
  },
});

describe('kubelet simulator: volumes', () => {
  it('mounts ConfigMaps, Secrets and projected tokens as files, and rewrites mount paths in env, args and workingDir', async () => {
    api.create(t('', 'configmaps'), 'default', { metadata: { name: 'run' }, data: { 'run.json': '{"n":1}', other: 'x' } });
    api.create(t('', 'secrets'), 'default', { metadata: { name: 'creds' }, data: { token: Buffer.from('s3cret').toString('base64') } });
    const script = `const fs = require("fs");
      fs.writeFileSync(${JSON.stringify(join(dir, 'seen.json'))}, JSON.stringify({
        run: fs.readFileSync(process.env.RUN_FILE, "utf8"),
        secret: fs.readFileSync(process.argv[1] + "/token", "utf8"),
        sa: fs.readFileSync(process.env.SA_DIR + "/token", "utf8"),
        cwdHasRun: fs.existsSync("run.json"),
        listed: fs.readdirSync(process.env.RUN_FILE.replace(/run.json$/, "")),
      }));`;
    api.create(t('', 'pods'), 'default', {
      metadata: { name: 'mounted' },
      spec: {
        restartPolicy: 'Never',
        serviceAccountName: 'trainer',
        containers: [
          {
            name: 'c',
            image: 'x',
            command: [...node(script), '/etc/creds'],
            workingDir: '/var/run/scaleplan',
            env: [
              { name: 'RUN_FILE', value: '/var/run/scaleplan/run.json' },
              { name: 'SA_DIR', value: '/var/run/secrets/kubernetes.io/serviceaccount' },
            ],
            volumeMounts: [
              { name: 'run', mountPath: '/var/run/scaleplan' },
              { name: 'creds', mountPath: '/etc/creds' },
              { name: 'sa', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
            ],
          },
        ],
        volumes: [
          { name: 'run', configMap: { name: 'run', items: [{ key: 'run.json', path: 'run.json' }] } },
          { name: 'creds', secret: { secretName: 'creds' } },
          { name: 'sa', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 600 } }] } },
        ],
      },
    });
    await until('success', () => podStatus('mounted')?.phase === 'Succeeded');
    const seen = JSON.parse(readFileSync(join(dir, 'seen.json'), 'utf8')) as Record<string, unknown>;
    expect(seen).toMatchObject({ run: '{"n":1}', secret: 's3cret', cwdHasRun: true, listed: ['run.json'] });
    expect(tokens.verify(seen.sa as string)).toMatchObject({ namespace: 'default', serviceAccount: 'trainer', podName: 'mounted' });
  });

  it('keeps a pod ContainerCreating while a mounted ConfigMap is missing, and starts it once it exists', async () => {
    api.create(t('', 'pods'), 'default', {
      metadata: { name: 'waits' },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'x', command: node(''), volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }] }],
        volumes: [{ name: 'cfg', configMap: { name: 'later' } }],
      },
    });
    const waiting = await until('a waiting reason', () => podStatus('waits')?.containerStatuses as { state: Status }[] | undefined);
    expect(waiting[0]!.state).toEqual({
      waiting: { reason: 'ContainerCreating', message: 'MountVolume.SetUp failed: configmap "later" not found' },
    });
    api.create(t('', 'configmaps'), 'default', { metadata: { name: 'later' }, data: { a: 'b' } });
    await until('success', () => podStatus('waits')?.phase === 'Succeeded');
  });

  it('uses the log tail as the termination message under FallbackToLogsOnError', async () => {
    api.create(t('', 'pods'), 'default', {
      metadata: { name: 'fails' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'c',
            image: 'x',
            command: node('console.log("loading"); console.error("CUDA out of memory"); process.exit(2)'),
            terminationMessagePolicy: 'FallbackToLogsOnError',
          },
        ],
      },
    });
    await until('failure', () => podStatus('fails')?.phase === 'Failed');
    expect(podStatus('fails')).toMatchObject({
      containerStatuses: [{ state: { terminated: { exitCode: 2, message: 'loading\nCUDA out of memory' } } }],
    });
  });
});

describe('kubelet simulator: Job controller', () => {
  it('creates no pods while suspended, and runs the Job once unsuspended', async () => {
    api.create(t('batch', 'jobs'), 'default', job('held', { suspend: true }, ''));
    await until('Suspended', () => jobCondition('held', 'Suspended'));
    expect(api.list(t('', 'pods'), 'default').items).toHaveLength(0);
    expect(jobStatus('held')?.startTime).toBeUndefined();
    api.patch(t('batch', 'jobs'), 'default', 'held', '', 'merge', { spec: { suspend: false } });
    await until('Complete', () => jobCondition('held', 'Complete'));
    expect(jobStatus('held')?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
  });

  it('stops the pods of a Job that is suspended while running', async () => {
    api.create(t('batch', 'jobs'), 'default', job('paused', {}, 'setInterval(() => {}, 1000)'));
    await until(
      'a running pod',
      () =>
        jobStatus('paused')?.active === 1 && podStatus(api.list(t('', 'pods'), 'default').items[0]!.metadata.name!)?.phase === 'Running',
    );
    api.patch(t('batch', 'jobs'), 'default', 'paused', '', 'merge', { spec: { suspend: true } });
    await until('no pods', () => api.list(t('', 'pods'), 'default').items.length === 0);
    expect(jobStatus('paused')).toMatchObject({ active: 0 });
    expect(jobCondition('paused', 'Suspended')).toBeDefined();
  });

  it('fails a Job past activeDeadlineSeconds with DeadlineExceeded and kills its pod', async () => {
    api.create(t('batch', 'jobs'), 'default', job('slow', { activeDeadlineSeconds: 1 }, 'setInterval(() => {}, 1000)'));
    const failed = await until('DeadlineExceeded', () => jobCondition('slow', 'Failed'), 5000);
    expect(failed.reason).toBe('DeadlineExceeded');
    await until('the pod to go', () => api.list(t('', 'pods'), 'default').items.length === 0);
  });

  it('deletes a finished Job and its pods after ttlSecondsAfterFinished', async () => {
    api.create(t('batch', 'jobs'), 'default', job('short-lived', { ttlSecondsAfterFinished: 1 }, ''));
    await until('Complete', () => jobCondition('short-lived', 'Complete'));
    expect(api.list(t('', 'pods'), 'default').items).toHaveLength(1);
    await until('the Job to go', () => api.find(t('batch', 'jobs'), 'default', 'short-lived') === undefined, 5000);
    await until('its pod to go', () => api.list(t('', 'pods'), 'default').items.length === 0);
  });
});
