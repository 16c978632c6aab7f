// Dispatch mode `jobs` end to end: kubectl 1.32 (fresh HOME) against the kube emulator, whose kubelet runs every
// run's Job as a local process; the control plane in kubernetes mode with SCALEPLAN_KUBE_DISPATCH=jobs; real Redis.
// Studies bring their own trainer (test/fixtures/trainers/shell-trainer.sh, a POSIX-sh trainer of
// docs/trainer-contract.md that reports Chinchilla's law at N, D), or use the built-in worker as a trainer.
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeEmulator, startKubeEmulator } from '@scaleplan/kube-emulator';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningControlPlane, startControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import { deleteKeysWithPrefix } from '../../apps/control-plane/src/redis/redis-connection.js';
import { applyScalePlanCrds, runKubectl, runKubectlOk, type KubectlResult, type KubectlTarget } from '../support/kubectl.js';
import { pollUntil } from '../support/poll.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const TRAINER = join(repoRoot, 'test/fixtures/trainers/shell-trainer.sh');
const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `e2e-k8s-jobs-${process.pid}-${Date.now().toString(36)}`;
const TOKEN = 'e2e-jobs-token';
/** Chinchilla's fit (Hoffmann et al. 2022): the shell trainer's losses come from it, so a fit must recover a = β/(α+β). */
const CHINCHILLA_A = 0.28 / (0.34 + 0.28);

let emulator: KubeEmulator;
let controlPlane: RunningControlPlane | undefined;
let home: string;
let workdir: string;
let logFile: string;
let redis: Redis;

const target = (): KubectlTarget => ({ home, kubeconfig: emulator.kubeconfigPath });
const kubectl = (args: string[], input?: string): Promise<KubectlResult> => runKubectl(target(), args, input, 60_000);
const kubectlOk = (args: string[], input?: string): Promise<string> => runKubectlOk(target(), args, input, 60_000);

const eventually = <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> =>
  pollUntil(what, check, {
    timeoutMs,
    intervalMs: 300,
    explain: () =>
      `--- control-plane log tail ---\n${existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : ''}`,
  });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- status fields are read ad hoc by each assertion
type Cr = { metadata: { name: string; uid: string }; status?: Record<string, any> };
const getLaw = async (name: string): Promise<Cr> => JSON.parse(await kubectlOk(['get', 'sl', name, '-o', 'json'])) as Cr;

interface JobJson {
  metadata: { name: string; labels: Record<string, string>; ownerReferences: { kind: string; name: string; uid: string }[] };
  spec: { suspend?: boolean };
  status?: { conditions?: { type: string; status: string }[] };
}
const jobsOf = async (law: string): Promise<JobJson[]> =>
  (JSON.parse(await kubectlOk(['get', 'jobs', '-l', `scaleplan.dev/scaling-law=${law}`, '-o', 'json'])) as { items: JobJson[] }).items;

/** A ScalingLaw whose runs train in the shell trainer; `extra` is YAML appended to its spec. */
const shellLaw = (name: string, mode: string, sweep: string, extra = ''): string => `apiVersion: scaleplan.dev/v1alpha1
kind: ScalingLaw
metadata: {name: ${name}}
spec:
  sweep: ${sweep}
  fit: {methods: [2, 3], primaryMethod: 3, bootstrap: 20}
  maxConcurrentRuns: 4
  trainer:
    image: example.com/shell-trainer:1
    command: [sh, ${TRAINER}]
    env: [{name: TRAINER_MODE, value: ${mode}}]
${extra}`;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));
  workdir = mkdtempSync(join(tmpdir(), 'scaleplan-k8s-jobs-e2e-'));
  logFile = join(workdir, 'control-plane.log');
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  // Pods get only their pod-spec env (plus PATH): the built-in trainer is the worker image's entrypoint.
  emulator = await startKubeEmulator({
    kubelet: {
      workdir: repoRoot,
      killGraceMs: 500,
      restartDelayMs: 300,
      inheritEnv: false,
      env: { PATH: process.env.PATH ?? '' },
      imageCommand: (image) =>
        image.startsWith('ghcr.io/scaleplan/worker') ? { command: ['node', 'dist/apps/worker/src/main.js'] } : undefined,
    },
  });
  process.env.KUBECONFIG = emulator.kubeconfigPath;
  await applyScalePlanCrds(target());
  const port = await freePort();
  controlPlane = await startControlPlane({
    port,
    dispatch: 'kubernetes',
    queuePrefix: prefix,
    dashboardToken: TOKEN,
    namespace: '',
    workersMax: 4,
    workerImage: 'ghcr.io/scaleplan/worker:0.1.0',
    logLevel: 'info',
    env: {
      REDIS_URL,
      SCALEPLAN_KUBE_DISPATCH: 'jobs',
      SCALEPLAN_REPORT_URL: `http://127.0.0.1:${port}`,
      SCALEPLAN_FINAL_RUN_PRIORITY_CLASS: 'scaleplan-final-run',
    },
    logDestination: createWriteStream(logFile, { flags: 'a' }),
    tuning: { resyncSeconds: 2, refitDebounceMs: 200, runAttempts: 2, runBackoffMs: 200 },
  });
}, 90_000);

afterAll(async () => {
  await controlPlane?.close().catch(() => undefined);
  await emulator?.stop();
  if (redis) {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
  rmSync(home, { recursive: true, force: true });
  rmSync(workdir, { recursive: true, force: true });
}, 60_000);

describe('dispatch mode jobs with kubectl', () => {
  it('trains a sweep in a Job per run with a trainer that POSTs its results; kubectl get jobs tells the story and the fit recovers the law', async () => {
    await kubectlOk(['apply', '-f', '-'], shellLaw('shell-sweep', 'post', '{budgets: [1e15, 1e16, 1e17], sizesPerBudget: 5}'));
    const law = await eventually('all 15 runs to succeed', async () => {
      const cr = await getLaw('shell-sweep');
      return cr.status?.runs?.succeeded === 15 && cr.status?.primaryFit ? cr : undefined;
    });
    expect(law.status?.runs).toMatchObject({ failed: 0, succeeded: 15 });
    expect(Math.abs(law.status!.primaryFit.a - CHINCHILLA_A)).toBeLessThan(0.02);

    const jobs = await jobsOf('shell-sweep');
    expect(jobs).toHaveLength(15);
    for (const job of jobs) {
      expect(job.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'ScalingLaw', name: 'shell-sweep', uid: law.metadata.uid }),
      ]);
      expect(job.metadata.labels).toMatchObject({ 'scaleplan.dev/run-kind': 'sweep', 'scaleplan.dev/attempt': '1' });
      expect(job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true);
    }
    const table = await kubectlOk(['get', 'jobs', '-l', 'scaleplan.dev/scaling-law=shell-sweep']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE/);
    expect(table.match(/Complete\s+1\/1/g)).toHaveLength(15);
    // The trainer POSTed (nothing in its log), so the results came through the REST endpoint and the run token.
    expect(await kubectlOk(['logs', `job/${jobs[0]!.metadata.name}`])).not.toContain('"scaleplan"');
  });

  it("trains a budget's final run as a Job owned by the ComputeBudget, with the final-run priority class and the study's trainer", async () => {
    await eventually('shell-sweep to be Ready', async () => (await getLaw('shell-sweep')).status?.phase === 'Ready');
    await kubectlOk(
      ['apply', '-f', '-'],
      'apiVersion: scaleplan.dev/v1alpha1\nkind: ComputeBudget\nmetadata: {name: shell-final}\nspec: {flops: 1e17, scalingLaw: shell-sweep, train: true}\n',
    );
    const budget = await eventually('the final run to succeed', async () => {
      const cr = JSON.parse(await kubectlOk(['get', 'cb', 'shell-final', '-o', 'json'])) as Cr;
      return cr.status?.phase === 'Succeeded' ? cr : undefined;
    });
    expect(budget.status?.finalRun).toMatchObject({ state: 'succeeded', simulated: false });
    const [job] = (
      JSON.parse(await kubectlOk(['get', 'jobs', '-l', 'scaleplan.dev/compute-budget=shell-final', '-o', 'json'])) as {
        items: (JobJson & { spec: { template: { spec: { priorityClassName?: string; containers: { image: string }[] } } } })[];
      }
    ).items;
    expect(job!.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'ComputeBudget', name: 'shell-final', uid: budget.metadata.uid }),
    ]);
    expect(job!.metadata.labels).toMatchObject({ 'scaleplan.dev/run-kind': 'final', 'scaleplan.dev/scaling-law': 'shell-sweep' });
    expect(job!.spec.template.spec.priorityClassName).toBe('scaleplan-final-run');
    expect(job!.spec.template.spec.containers[0]!.image).toBe('example.com/shell-trainer:1');
  });

  it('creates the Jobs of a Kueue study suspended; each starts when unsuspended (as Kueue would) and reports', async () => {
    await kubectlOk(
      ['apply', '-f', '-'],
      shellLaw('kueue-sweep', 'lines', '{budgets: [1e15], sizesPerBudget: 3}', '  kueue: {queueName: team-a}\n'),
    );
    const first = await eventually('suspended Jobs', async () => {
      const jobs = await jobsOf('kueue-sweep');
      return jobs.length >= 3 ? jobs : undefined;
    });
    await new Promise((r) => setTimeout(r, 2500)); // a few dispatch passes: nothing starts by itself
    for (const job of await jobsOf('kueue-sweep')) {
      expect(job.spec.suspend).toBe(true);
      expect(job.metadata.labels['kueue.x-k8s.io/queue-name']).toBe('team-a');
    }
    expect((await getLaw('kueue-sweep')).status?.runs?.succeeded ?? 0).toBe(0);
    for (const job of first) await kubectlOk(['patch', 'job', job.metadata.name, '--type', 'merge', '-p', '{"spec":{"suspend":false}}']);
    const law = await eventually('the admitted runs to succeed', async () => {
      const cr = await getLaw('kueue-sweep');
      return cr.status?.runs?.succeeded === 3 ? cr : undefined;
    });
    expect(law.status?.runs?.failed).toBe(0);
  });

  it.each([
    ['a trainer without an image', 'trainer: {command: [sh]}', 'spec.trainer.image: Required value'],
    [
      'resources that are not quantities',
      'trainer: {image: x, resources: {requests: {memory: lots}}}',
      'spec.trainer.resources.requests.memory',
    ],
  ])('kubectl apply rejects %s at admission', async (_what, trainer, message) => {
    const result = await kubectl(
      ['apply', '-f', '-'],
      `apiVersion: scaleplan.dev/v1alpha1\nkind: ScalingLaw\nmetadata: {name: bad-template}\nspec:\n  sweep: {budgets: [1e15]}\n  ${trainer}\n`,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect((await kubectl(['get', 'sl', 'bad-template'])).stderr).toContain('NotFound');
  });

  it.each([
    [
      'exits non-zero',
      'fail-sweep',
      'fail',
      /the trainer failed: exited with code 3 \(Error\): loading shards\nRuntimeError: CUDA out of memory/,
    ],
    ['never reports', 'silent-sweep', 'silent', /the trainer exited successfully without reporting a result/],
  ])('fails the runs of a trainer that %s, with the reason in the status and Warning Events', async (_what, name, mode, reason) => {
    await kubectlOk(['apply', '-f', '-'], shellLaw(name, mode, '{budgets: [1e15], sizesPerBudget: 3}', '  maxFailedRuns: 0\n'));
    const law = await eventually(`${name} to be Degraded`, async () => {
      const cr = await getLaw(name);
      return cr.status?.runs?.failed === 3 && cr.status?.phase === 'Degraded' ? cr : undefined;
    });
    expect(law.status?.excludedRuns).toHaveLength(3);
    for (const excluded of law.status!.excludedRuns as { reason: string }[]) expect(excluded.reason).toMatch(reason);
    const described = await kubectlOk(['describe', 'sl', name]);
    expect(described).toMatch(/Warning\s+RunFailed\s+\S+\s+scaleplan-control-plane\s+Run c[\d.e-]+-n\d+ failed:/);
    expect(described).toMatch(/Warning\s+FailureBudgetExceeded/);
    if (mode === 'fail') {
      expect(described).toMatch(/Warning\s+RunAttemptFailed/); // two attempts, each its own Job
      expect((await jobsOf(name)).length).toBe(6);
    }
  });

  it('trains with the built-in worker as the trainer when a study brings none (simulated runs, JSON lines)', async () => {
    await kubectlOk(
      ['apply', '-f', '-'],
      `apiVersion: scaleplan.dev/v1alpha1
kind: ScalingLaw
metadata: {name: builtin-sweep}
spec:
  sweep:
    budgets: [1e15]
    sizesPerBudget: 3
    simulate: {law: {irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28}}
  fit: {methods: [2], primaryMethod: 2, bootstrap: 0}
  maxConcurrentRuns: 3
`,
    );
    const law = await eventually('the built-in trainer runs to succeed', async () => {
      const cr = await getLaw('builtin-sweep');
      return cr.status?.runs?.succeeded === 3 ? cr : undefined;
    });
    expect(law.status?.simulated).toBe(true);
    const [job] = await jobsOf('builtin-sweep');
    const spec = JSON.parse(await kubectlOk(['get', 'job', job!.metadata.name, '-o', 'json'])) as {
      spec: { template: { spec: { containers: { image: string; resources: { requests: Record<string, string> } }[] } } };
    };
    expect(spec.spec.template.spec.containers[0]).toMatchObject({
      image: 'ghcr.io/scaleplan/worker:0.1.0',
      resources: { requests: { cpu: '1' } },
    });
    expect(await kubectlOk(['logs', `job/${job!.metadata.name}`])).toMatch(/\{"scaleplan":"result","status":"completed",/);
  });
});
