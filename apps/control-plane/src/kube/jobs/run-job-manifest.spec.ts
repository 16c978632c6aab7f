import { trainRunSchema, TrainerEnv } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import {
  buildRunFileConfigMap,
  buildRunJob,
  buildRunSpec,
  runMemoryMiB,
  type RunJobRequest,
  type RunJobSettings,
} from './run-job-manifest.js';
import { labelValue, runJobName } from './run-job-names.js';

const settings: RunJobSettings = {
  installation: 'scaleplan',
  builtinImage: 'ghcr.io/scaleplan/worker:0.1.0',
  reportUrl: 'http://scaleplan-control-plane.scaleplan.svc',
  finalRunPriorityClass: 'scaleplan-final-run',
  sweepRunPriorityClass: '',
  ttlSeconds: 3600,
  timeoutSeconds: 7200,
};
const shape = { layers: 2, modelDim: 64, heads: 4, headDim: 16, ffDim: 256, vocabSize: 256, sequenceLength: 64 };
const sweepRun = trainRunSchema.parse({
  owner: { namespace: 'team-a', name: 'tiny-law' },
  runId: 'c1.00e15-n98304',
  kind: 'sweep',
  params: 98_304,
  tokens: 1_000_000,
  budgetFlops: 1e15,
  shape,
});
const request = (overrides: Partial<RunJobRequest> = {}): RunJobRequest => ({
  name: runJobName('scaleplan', sweepRun.owner, sweepRun.runId, 1),
  jobId: 'team-a/tiny-law/c1.00e15-n98304',
  attempt: 1,
  run: sweepRun,
  owner: { kind: 'ScalingLaw', namespace: 'team-a', name: 'tiny-law', uid: 'uid-law' },
  lawName: 'tiny-law',
  ...overrides,
});

describe('runJobName', () => {
  it('is readable, deterministic per attempt, and a valid 63-character DNS label', () => {
    const name = runJobName('scaleplan', { namespace: 'ns', name: 'tiny-law' }, 'c1.00e15-n98304', 2);
    expect(name).toMatch(/^tiny-law-c1-00e15-n98304-[0-9a-f]{6}-a2$/);
    expect(runJobName('scaleplan', { namespace: 'ns', name: 'tiny-law' }, 'c1.00e15-n98304', 2)).toBe(name);
    expect(runJobName('scaleplan', { namespace: 'ns', name: 'tiny-law' }, 'c1.00e15-n98304', 3)).not.toBe(name);
    expect(runJobName('other', { namespace: 'ns', name: 'tiny-law' }, 'c1.00e15-n98304', 2)).not.toBe(name);
    const long = runJobName('scaleplan', { namespace: 'ns', name: 'a'.repeat(60) }, 'final-g12', 1);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it('keeps label values within 63 characters, unique by a hash', () => {
    expect(labelValue('tiny-law')).toBe('tiny-law');
    const a = labelValue(`${'x'.repeat(70)}a`);
    const b = labelValue(`${'x'.repeat(70)}b`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
  });
});

describe('buildRunJob', () => {
  it('makes a suspended batch/v1 Job owned by the study, labelled for kubectl get jobs -l, retried only by BullMQ', () => {
    const job = buildRunJob(request(), settings);
    expect(job.metadata).toMatchObject({
      namespace: 'team-a',
      labels: {
        'app.kubernetes.io/managed-by': 'scaleplan',
        'scaleplan.dev/scaling-law': 'tiny-law',
        'scaleplan.dev/run': 'c1.00e15-n98304',
        'scaleplan.dev/run-kind': 'sweep',
        'scaleplan.dev/attempt': '1',
      },
      annotations: { 'scaleplan.dev/job-id': 'team-a/tiny-law/c1.00e15-n98304', 'scaleplan.dev/params': '98304' },
      ownerReferences: [{ apiVersion: 'scaleplan.dev/v1alpha1', kind: 'ScalingLaw', name: 'tiny-law', uid: 'uid-law', controller: true }],
    });
    expect(job.spec).toMatchObject({ suspend: true, backoffLimit: 0, activeDeadlineSeconds: 7200, ttlSecondsAfterFinished: 3600 });
    expect(job.metadata?.labels).not.toHaveProperty('kueue.x-k8s.io/queue-name');
    const pod = job.spec!.template.spec!;
    expect(pod).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false });
    expect(pod.priorityClassName).toBeUndefined();
    const container = pod.containers[0]!;
    expect(container.image).toBe(settings.builtinImage);
    expect(container.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      [TrainerEnv.RunFile]: '/var/run/scaleplan/run.json',
      [TrainerEnv.RunId]: 'c1.00e15-n98304',
      [TrainerEnv.Params]: '98304',
      [TrainerEnv.Tokens]: '1000000',
      [TrainerEnv.Attempt]: '1',
      [TrainerEnv.Shape]: JSON.stringify(shape),
      [TrainerEnv.ReportUrl]: 'http://scaleplan-control-plane.scaleplan.svc/api/v1/runs/report',
      [TrainerEnv.RunToken]: { secretKeyRef: { name: `${job.metadata!.name}-token`, key: 'token' } },
    });
    expect(pod.volumes).toContainEqual({ name: 'run', configMap: { name: `${job.metadata!.name}-run` } });
  });

  it('sizes memory from the run and gives the built-in trainer one CPU', () => {
    const resources = buildRunJob(request(), settings).spec!.template.spec!.containers[0]!.resources!;
    const paramsTotal = 98_304 + 256 * 64 + 64 * 64;
    expect(resources.requests).toEqual({ memory: `${runMemoryMiB(paramsTotal)}Mi`, cpu: '1' });
    expect(resources.limits).toEqual({ memory: `${runMemoryMiB(paramsTotal)}Mi` });
    expect(runMemoryMiB(0)).toBe(256);
    expect(runMemoryMiB(1e9)).toBe(30_784); // 256 MiB + 32 GB, in 64 MiB steps
  });

  it('uses the study trainer template, GPU count and Kueue queue; contract variables win over the template env', () => {
    const job = buildRunJob(
      request({
        trainer: {
          image: 'ghcr.io/acme/pytorch-trainer:1.2',
          command: ['python', '-m', 'trainer'],
          args: ['--bf16'],
          env: [
            { name: 'WANDB_MODE', value: 'offline' },
            { name: TrainerEnv.RunId, value: 'spoofed' },
          ],
          resources: { requests: { cpu: '8', memory: '64Gi' }, limits: { memory: '64Gi' } },
          gpusPerRun: 2,
          timeoutSeconds: 600,
        },
        kueue: { queueName: 'team-a-gpus', priorityClass: 'research' },
      }),
      settings,
    );
    expect(job.metadata?.labels).toMatchObject({ 'kueue.x-k8s.io/queue-name': 'team-a-gpus', 'kueue.x-k8s.io/priority-class': 'research' });
    expect(job.spec).toMatchObject({ suspend: true, activeDeadlineSeconds: 600 });
    const container = job.spec!.template.spec!.containers[0]!;
    expect(container).toMatchObject({ image: 'ghcr.io/acme/pytorch-trainer:1.2', command: ['python', '-m', 'trainer'], args: ['--bf16'] });
    expect(container.resources).toEqual({ requests: { cpu: '8', memory: '64Gi' }, limits: { memory: '64Gi', 'nvidia.com/gpu': '2' } });
    const runIds = (container.env ?? []).filter((e) => e.name === TrainerEnv.RunId).map((e) => e.value);
    expect(runIds).toEqual(['c1.00e15-n98304']);
    expect(container.env).toContainEqual({ name: 'WANDB_MODE', value: 'offline' });
    expect(container.volumeMounts?.map((m) => m.name)).toEqual(['run']);
  });

  it('gives final runs the final-run priority class and a ComputeBudget owner and label', () => {
    const finalRun = trainRunSchema.parse({
      ...sweepRun,
      runId: 'final-g1',
      kind: 'final',
      owner: { namespace: 'team-a', name: 'budget' },
    });
    const job = buildRunJob(
      request({ run: finalRun, owner: { kind: 'ComputeBudget', namespace: 'team-a', name: 'budget', uid: 'uid-cb' } }),
      settings,
    );
    expect(job.spec!.template.spec!.priorityClassName).toBe('scaleplan-final-run');
    expect(job.metadata?.labels).toMatchObject({ 'scaleplan.dev/compute-budget': 'budget', 'scaleplan.dev/run-kind': 'final' });
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ComputeBudget', uid: 'uid-cb' });
  });
});

describe('buildRunSpec', () => {
  it('writes the run file the contract describes, owned by the Job', () => {
    const deadline = new Date('2030-01-01T00:00:00Z');
    const spec = buildRunSpec(request(), deadline);
    expect(spec).toEqual({
      apiVersion: 'scaleplan.dev/v1alpha1',
      kind: 'TrainerRun',
      runId: 'c1.00e15-n98304',
      runKind: 'sweep',
      attempt: 1,
      owner: { kind: 'ScalingLaw', namespace: 'team-a', name: 'tiny-law' },
      params: 98_304,
      tokens: 1_000_000,
      seed: 0,
      sequenceLength: 64,
      corpus: 'moby-dick',
      tokenizer: 'byte',
      shape,
      budgetFlops: 1e15,
      deadline: '2030-01-01T00:00:00.000Z',
    });
    const configMap = buildRunFileConfigMap({ name: 'j', uid: 'uid-job', namespace: 'team-a' }, spec);
    expect(JSON.parse(configMap.data!['run.json']!)).toEqual(spec);
    expect(configMap.metadata?.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'uid-job', controller: true },
    ]);
  });
});
