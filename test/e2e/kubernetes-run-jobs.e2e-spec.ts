// Dispatch mode `jobs`, one level below the control plane: the RunJobDispatcher with the REAL client-node 1.4
// against the kube emulator (its kubelet runs each Job's pod as a process), real Redis and BullMQ. Trainers are
// test/fixtures/trainers/shell-trainer.sh, a trainer of docs/trainer-contract.md in POSIX sh.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { QueueName, runCancelKey, trainingJobId, type ScalingLaw, type TrainRunInput } from '@scaleplan/contracts';
import { startKubeEmulator, type KubeEmulator } from '@scaleplan/kube-emulator';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunClaims } from '../../apps/control-plane/src/kube/jobs/run-claims.js';
import { RunJobDispatcher, type RunJobDispatcherOptions } from '../../apps/control-plane/src/kube/jobs/run-job-dispatcher.js';
import { runJobName } from '../../apps/control-plane/src/kube/jobs/run-job-names.js';
import { RunReportStore } from '../../apps/control-plane/src/kube/jobs/run-report-store.js';
import { loadKubeConfig } from '../../apps/control-plane/src/kube/kube-client.js';
import { deleteKeysWithPrefix } from '../../apps/control-plane/src/redis/redis-connection.js';
import { pollUntil } from '../support/poll.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const repoRoot = join(import.meta.dirname, '..', '..');
const TRAINER = join(repoRoot, 'test/fixtures/trainers/shell-trainer.sh');
const NS = 'default';
const SHAPE = { layers: 2, modelDim: 64, heads: 4, headDim: 16, ffDim: 256, vocabSize: 256, sequenceLength: 64 };
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
/** The loss the shell trainer reports: Chinchilla's fit at N, D. */
const chinchilla = (n: number, d: number) => 1.69 + 406.4 / n ** 0.34 + 410.7 / d ** 0.28;

let emulator: KubeEmulator;
let dir: string;
let redis: Redis;
let batch: k8s.BatchV1Api;
let core: k8s.CoreV1Api;
let custom: k8s.CustomObjectsApi;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'run-jobs-e2e-'));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  emulator = await startKubeEmulator({ kubelet: { workdir: dir, restartDelayMs: 100, killGraceMs: 300 } });
  const kc = loadKubeConfig(emulator.kubeconfigPath);
  batch = kc.makeApiClient(k8s.BatchV1Api);
  core = kc.makeApiClient(k8s.CoreV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const crds = kc.makeApiClient(k8s.ApiextensionsV1Api);
  for (const file of readdirSync(join(repoRoot, 'k8s/crds'))) {
    await crds.createCustomResourceDefinition({
      body: k8s.loadYaml<k8s.V1CustomResourceDefinition>(readFileSync(join(repoRoot, 'k8s/crds', file), 'utf8')),
    });
  }
});

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

afterAll(async () => {
  await emulator?.stop();
  redis?.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

const until = <T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> =>
  pollUntil(what, probe, { timeoutMs, intervalMs: 150 });

/** A ScalingLaw whose runs train in the shell trainer in `mode`. */
async function createLaw(name: string, mode: string, extra: Record<string, unknown> = {}): Promise<ScalingLaw> {
  return (await custom.createNamespacedCustomObject({
    group: 'scaleplan.dev',
    version: 'v1alpha1',
    namespace: NS,
    plural: 'scalinglaws',
    body: {
      apiVersion: 'scaleplan.dev/v1alpha1',
      kind: 'ScalingLaw',
      metadata: { name },
      spec: {
        sweep: { budgets: [1e15] },
        trainer: { image: 'example.com/shell-trainer:1', command: ['sh', TRAINER], env: [{ name: 'TRAINER_MODE', value: mode }] },
        ...extra,
      },
    },
  })) as ScalingLaw;
}

interface Harness {
  readonly prefix: string;
  readonly queue: Queue;
  readonly reports: RunReportStore;
  readonly events: { reason: string; message: string; kind: string }[];
  dispatcher: RunJobDispatcher;
  /** Makes a fresh dispatcher (a restarted control plane) over the same queue. */
  restart(): Promise<void>;
  /** Enqueues a sweep run of `law` as the control plane would. */
  enqueue(law: string, runId: string, attempts?: number): Promise<string>;
  /** Runs dispatcher passes until `probe` holds. */
  drive<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
}

async function harness(options: Partial<RunJobDispatcherOptions> = {}): Promise<Harness> {
  const prefix = `e2e-runjobs-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const queue = new Queue(QueueName.Runs, { connection: { url: REDIS_URL }, prefix });
  const reports = new RunReportStore(redis, prefix);
  const events: Harness['events'] = [];
  let claims: RunClaims | undefined;
  const make = async (): Promise<RunJobDispatcher> => {
    claims = new RunClaims({ redisUrl: REDIS_URL, prefix, lockMs: 10_000 });
    await claims.start();
    const get = async (plural: string, ref: { namespace: string; name: string }) => {
      try {
        return await custom.getNamespacedCustomObject({ group: 'scaleplan.dev', version: 'v1alpha1', plural, ...ref });
      } catch {
        return undefined;
      }
    };
    return new RunJobDispatcher(
      {
        batch,
        core,
        claims,
        reports,
        laws: { get: (ref) => get('scalinglaws', ref) },
        budgets: { get: (ref) => get('computebudgets', ref) },
        recordEvent: async (subject, _type, reason, message) => void events.push({ reason, message, kind: subject.kind }),
        log: pino({ level: 'silent' }),
      },
      {
        installation: prefix,
        builtinImage: 'ghcr.io/scaleplan/worker:0.1.0',
        reportUrl: '',
        finalRunPriorityClass: 'scaleplan-final-run',
        sweepRunPriorityClass: '',
        ttlSeconds: 3600,
        timeoutSeconds: 600,
        maxJobs: 4,
        namespace: NS,
        ...options,
      },
    );
  };
  const h: Harness = {
    prefix,
    queue,
    reports,
    events,
    dispatcher: await make(),
    async restart() {
      await h.dispatcher.close();
      await claims?.close();
      h.dispatcher = await make();
    },
    async enqueue(law, runId, attempts = 1) {
      const data: TrainRunInput = {
        owner: { namespace: NS, name: law },
        runId,
        kind: 'sweep',
        params: 50_000,
        tokens: 2_000_000,
        budgetFlops: 1e15,
        shape: SHAPE,
      };
      const id = trainingJobId(data.owner, runId);
      await queue.add('TrainRun', data, {
        jobId: id,
        attempts,
        backoff: { type: 'fixed', delay: 100 },
        removeOnComplete: false,
        removeOnFail: false,
      });
      return id;
    },
    async drive(what, probe, timeoutMs) {
      return until(
        what,
        async () => {
          await h.dispatcher.reconcileWorkers();
          return probe();
        },
        timeoutMs,
      );
    },
  };
  cleanups.push(async () => {
    await h.dispatcher.close();
    await claims?.close();
    await queue.close();
    await deleteKeysWithPrefix(redis, prefix);
  });
  return h;
}

const jobsOf = async (law: string) =>
  (await batch.listNamespacedJob({ namespace: NS, labelSelector: `scaleplan.dev/scaling-law=${law}` })).items.sort((a, b) =>
    a.metadata!.name!.localeCompare(b.metadata!.name!),
  );
const finished = async (queue: Queue, id: string) => {
  const job = await queue.getJob(id);
  const state = await job?.getState();
  return state === 'completed' || state === 'failed' ? { job: job!, state } : undefined;
};
const hasCondition = (job: k8s.V1Job, type: string) => job.status?.conditions?.some((c) => c.type === type && c.status === 'True');

describe('RunJobDispatcher on the emulator', () => {
  it('turns each run into a Job owned by its study that trains, reports JSON lines and completes the BullMQ job, one Job at a time', async () => {
    const h = await harness({ maxJobs: 1 });
    const law = await createLaw('lines-law', 'lines');
    const first = await h.enqueue('lines-law', 'c1.00e15-n50000');
    const second = await h.enqueue('lines-law', 'c1.00e15-n60000');
    await h.dispatcher.reconcileWorkers();
    expect(await jobsOf('lines-law')).toHaveLength(1); // maxJobs: the second run waits in BullMQ

    const done = await h.drive('both runs to complete', async () => {
      const jobs = await jobsOf('lines-law');
      expect(jobs.filter((j) => !hasCondition(j, 'Complete') && !hasCondition(j, 'Failed')).length).toBeLessThanOrEqual(1);
      const [a, b] = [await finished(h.queue, first), await finished(h.queue, second)];
      return a && b ? [a, b] : undefined;
    });
    expect(done.map((d) => d.state)).toEqual(['completed', 'completed']);
    const outcome = done[0]!.job.returnvalue as { finalLoss: number; backend: string; params: number; tokens: number; shape: unknown };
    expect(outcome.finalLoss).toBeCloseTo(chinchilla(50_000, 2_000_000), 5);
    expect(outcome).toMatchObject({ backend: 'sh:c1.00e15-n50000:attempt-1', params: 50_000, tokens: 2_000_000, shape: SHAPE });

    const [job] = await jobsOf('lines-law');
    const name = runJobName(h.prefix, { namespace: NS, name: 'lines-law' }, 'c1.00e15-n50000', 1);
    expect(job!.metadata).toMatchObject({
      name,
      labels: { 'scaleplan.dev/run': 'c1.00e15-n50000', 'scaleplan.dev/run-kind': 'sweep', 'scaleplan.dev/attempt': '1' },
      ownerReferences: [{ kind: 'ScalingLaw', name: 'lines-law', uid: law.metadata.uid, controller: true }],
    });
    expect(job!.spec).toMatchObject({ backoffLimit: 0, suspend: false, ttlSecondsAfterFinished: 3600 });
    expect(hasCondition(job!, 'Complete')).toBe(true);
    const secret = await core.readNamespacedSecret({ name: `${name}-token`, namespace: NS });
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name, uid: job!.metadata!.uid });
    const token = Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8') || (secret.stringData?.token ?? '');
    expect(token).not.toBe('');
    expect(await h.reports.verify(token)).toBeUndefined(); // revoked with the attempt
  });

  it('retries a trainer that exits non-zero as a new Job per attempt, then fails the run with the exit code and the log tail', async () => {
    const h = await harness();
    await createLaw('failing-law', 'fail');
    const id = await h.enqueue('failing-law', 'c1.00e15-n50000', 2);
    const done = await h.drive('the run to fail', () => finished(h.queue, id));
    expect(done.state).toBe('failed');
    expect(done.job.failedReason).toMatch(
      /the trainer failed: exited with code 3 \(Error\): loading shards\nRuntimeError: CUDA out of memory/,
    );
    expect((await jobsOf('failing-law')).map((j) => [j.metadata!.labels!['scaleplan.dev/attempt'], hasCondition(j, 'Failed')])).toEqual([
      ['1', true],
      ['2', true],
    ]);
    expect(h.events.map((e) => e.reason)).toEqual(['RunAttemptFailed', 'RunFailed']);
    expect(h.events[1]!.message).toContain('Run c1.00e15-n50000 failed: the trainer failed: exited with code 3');
  });

  it('fails a run whose trainer exits 0 without reporting, saying so', async () => {
    const h = await harness();
    await createLaw('silent-law', 'silent');
    const id = await h.enqueue('silent-law', 'c1.00e15-n50000');
    const done = await h.drive('the run to fail', () => finished(h.queue, id));
    expect(done.state).toBe('failed');
    expect(done.job.failedReason).toContain('the trainer exited successfully without reporting a result');
    expect(h.events.map((e) => e.reason)).toEqual(['RunFailed']);
  });

  it('takes a result POSTed with the run token even when the log has none, and refuses a second result', async () => {
    const h = await harness();
    await createLaw('posted-law', 'hang', {});
    const id = await h.enqueue('posted-law', 'c1.00e15-n50000');
    const name = runJobName(h.prefix, { namespace: NS, name: 'posted-law' }, 'c1.00e15-n50000', 1);
    const secret = await h.drive('the token Secret', () => core.readNamespacedSecret({ name: `${name}-token`, namespace: NS }));
    const token = secret.stringData?.token ?? Buffer.from(secret.data!.token!, 'base64').toString('utf8');
    const claim = await h.reports.verify(token);
    expect(claim).toEqual({ jobId: id, attempt: 1, jobName: name, namespace: NS });
    expect(await h.reports.setResult(claim!, { scaleplan: 'result', status: 'completed', finalLoss: 2.5 })).toBe(true);
    expect(await h.reports.setResult(claim!, { scaleplan: 'result', status: 'completed', finalLoss: 9.9 })).toBe(false);
    // The trainer is still running: its Job is deleted (as after a crash or a TTL), and the posted result stands.
    await batch.deleteNamespacedJob({ name, namespace: NS, propagationPolicy: 'Background' });
    const done = await h.drive('the run to complete', () => finished(h.queue, id));
    expect(done.state).toBe('completed');
    expect((done.job.returnvalue as { finalLoss: number }).finalLoss).toBe(2.5);
  });

  it('creates a Kueue run Job suspended and labelled; it starts when unsuspended, also under a restarted dispatcher', async () => {
    const h = await harness();
    await createLaw('queued-law', 'lines', { kueue: { queueName: 'team-a-gpus' } });
    const id = await h.enqueue('queued-law', 'c1.00e15-n50000');
    const [job] = await h.drive('the Job', async () => {
      const jobs = await jobsOf('queued-law');
      return jobs.length === 1 ? jobs : undefined;
    });
    for (let i = 0; i < 5; i += 1) await h.dispatcher.reconcileWorkers();
    const name = job!.metadata!.name!;
    const held = await batch.readNamespacedJob({ name, namespace: NS });
    expect(held.metadata?.labels?.['kueue.x-k8s.io/queue-name']).toBe('team-a-gpus');
    expect(held.spec?.suspend).toBe(true);
    expect((await core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${name}` })).items).toHaveLength(0);
    expect(await finished(h.queue, id)).toBeUndefined();

    await h.restart(); // a new leader: it adopts the Job instead of creating another
    await batch.patchNamespacedJob({ name, namespace: NS, body: { spec: { suspend: false } } }, MERGE);
    const done = await h.drive('the run to complete', () => finished(h.queue, id));
    expect(done.state).toBe('completed');
    expect((done.job.returnvalue as { finalLoss: number }).finalLoss).toBeCloseTo(chinchilla(50_000, 2_000_000), 5);
    expect((await jobsOf('queued-law')).map((j) => j.metadata!.name)).toEqual([name]);
  });

  it('fails a run past its deadline without a retry, and stops a cancelled run by deleting its Job', async () => {
    const h = await harness({ timeoutSeconds: 2 });
    await createLaw('hanging-law', 'hang');
    const late = await h.enqueue('hanging-law', 'c1.00e15-n50000', 3);
    const done = await h.drive('the run to fail', () => finished(h.queue, late));
    expect(done.state).toBe('failed');
    expect(done.job.failedReason).toContain('exceeded its deadline of 2s');
    expect(done.job.attemptsMade).toBe(1);
    expect(h.events.map((e) => e.reason)).toEqual(['RunFailed']);

    const h2 = await harness();
    const cancelled = await h2.enqueue('hanging-law', 'c1.00e15-n60000', 3);
    const name = runJobName(h2.prefix, { namespace: NS, name: 'hanging-law' }, 'c1.00e15-n60000', 1);
    await h2.drive('a running pod', async () => {
      const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `job-name=${name}` });
      return pods.items[0]?.status?.phase === 'Running';
    });
    await redis.set(runCancelKey(h2.prefix, cancelled), 'ScalingLaw hanging-law was deleted');
    const stopped = await h2.drive('the run to be cancelled', () => finished(h2.queue, cancelled));
    expect(stopped.job.failedReason).toBe('run cancelled: ScalingLaw hanging-law was deleted');
    await until('the Job to go', async () => (await jobsOf('hanging-law')).every((j) => j.metadata!.name !== name));
    expect(await redis.exists(runCancelKey(h2.prefix, cancelled))).toBe(0);
  });
});
