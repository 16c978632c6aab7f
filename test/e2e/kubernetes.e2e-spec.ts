// The user flow of kubernetes mode, for real: kubectl 1.32 (fresh HOME) and client-node 1.4 against the
// kube emulator, whose kubelet simulator runs the real worker (dist/apps/worker) as pod processes; real
// Redis under a unique prefix; the control plane started in kubernetes mode with startControlPlane.
// Sweep runs are SIMULATED (losses from a known law plus noise); one final run trains a tiny real model.
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeEmulator, startKubeEmulator } from '@scaleplan/kube-emulator';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type RunningControlPlane, startControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import { deleteKeysWithPrefix } from '../../apps/control-plane/src/redis/redis-connection.js';
import { applyScalePlanCrds, KUBECTL, runKubectl, runKubectlOk, type KubectlResult, type KubectlTarget } from '../support/kubectl.js';
import { pollUntil } from '../support/poll.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `e2e-k8s-${process.pid}-${Date.now().toString(36)}`;
const TOKEN = 'e2e-kubernetes-token';

let emulator: KubeEmulator;
let controlPlane: RunningControlPlane | undefined;
let home: string;
let workdir: string;
let logFile: string;
let redis: Redis;

/** Runs the real kubectl asynchronously (the emulator lives in this process, so a sync call would deadlock it). */
const target = (): KubectlTarget => ({ home, kubeconfig: emulator.kubeconfigPath });
const kubectl = (args: string[], input?: string, timeoutMs = 60_000): Promise<KubectlResult> =>
  runKubectl(target(), args, input, timeoutMs);
const kubectlOk = (args: string[], input?: string): Promise<string> => runKubectlOk(target(), args, input, 60_000);

/** Thrown from a poll to fail at once instead of waiting for the timeout. */
class FatalCheck extends Error {}

/** Polls until `check` returns a value (not undefined/false) or the time is up; the last error explains a timeout. */
const eventually = <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 250): Promise<T> =>
  pollUntil(what, check, {
    timeoutMs,
    intervalMs,
    isFatal: (error) => error instanceof FatalCheck,
    explain: () => `--- control-plane log tail ---\n${tailLog()}`,
  });

function tailLog(): string {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n') : '';
}

interface Cr {
  metadata: { name: string; finalizers?: string[]; generation: number; deletionTimestamp?: string };
  spec: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- status fields are read ad hoc by each assertion
  status?: Record<string, any>;
}
const getCr = async (kind: string, name: string): Promise<Cr> => JSON.parse(await kubectlOk(['get', kind, name, '-o', 'json'])) as Cr;
const condition = (cr: Cr, type: string) =>
  (cr.status?.conditions as { type: string; status: string; reason: string; message: string }[] | undefined)?.find((c) => c.type === type);

function startPlane(): Promise<RunningControlPlane> {
  return startControlPlane({
    port: 0,
    dispatch: 'kubernetes',
    queuePrefix: prefix,
    dashboardToken: TOKEN,
    namespace: '',
    workerDeployment: 'scaleplan-worker',
    workersMin: 0,
    workersMax: 2,
    logLevel: 'info',
    env: { REDIS_URL },
    logDestination: createWriteStream(logFile, { flags: 'a' }),
    tuning: { resyncSeconds: 2, refitDebounceMs: 200, runBackoffMs: 300 },
  });
}

/** The real worker Deployment of k8s/workers/, pointed at this test's Redis prefix and a temp checkpoint dir. */
function workerDeploymentYaml(): string {
  const deployment = parse(readFileSync(join(repoRoot, 'k8s/workers/deployment.yaml'), 'utf8'));
  const container = deployment.spec.template.spec.containers[0];
  const values: Record<string, string> = {
    REDIS_URL,
    SCALEPLAN_QUEUE_PREFIX: prefix,
    SCALEPLAN_CHECKPOINT_DIR: join(workdir, 'checkpoints'),
    SCALEPLAN_LOCK_DURATION_MS: '5000',
    SCALEPLAN_STALLED_INTERVAL_MS: '5000',
    LOG_LEVEL: 'warn',
  };
  container.env = container.env.map((e: { name: string; value: string }) =>
    e.name in values ? { name: e.name, value: values[e.name] } : e,
  );
  return stringify(deployment);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));
  workdir = mkdtempSync(join(tmpdir(), 'scaleplan-k8s-e2e-'));
  logFile = join(workdir, 'control-plane.log');
  redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  // Pods get only their pod-spec env (plus PATH to find node): like real workers, no cluster credentials.
  emulator = await startKubeEmulator({
    kubelet: { workdir: repoRoot, killGraceMs: 1000, restartDelayMs: 500, inheritEnv: false, env: { PATH: process.env.PATH ?? '' } },
  });
  // client-node reads KUBECONFIG when the control plane builds its clients (as `KUBECONFIG=… scaleplan serve`).
  process.env.KUBECONFIG = emulator.kubeconfigPath;
  await applyScalePlanCrds(target());
  await kubectlOk(['apply', '-f', '-'], workerDeploymentYaml());
  controlPlane = await startPlane();
}, 90_000);

afterAll(async () => {
  await controlPlane?.close().catch(() => undefined);
  if (process.env.SCALEPLAN_E2E_LOG_COPY && existsSync(logFile)) copyFileSync(logFile, process.env.SCALEPLAN_E2E_LOG_COPY);
  await emulator?.stop();
  if (redis) {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
  rmSync(home, { recursive: true, force: true });
  rmSync(workdir, { recursive: true, force: true });
}, 60_000);

describe('kubernetes mode with kubectl', () => {
  it('resolves a budget on a preset law at once: kubectl get cb shows the allocation columns', async () => {
    await kubectlOk(['apply', '-f', join(repoRoot, 'k8s/samples/compute-budget-preset.yaml')]);
    const row = await eventually(
      'the allocation columns of chinchilla-1e21',
      async () => {
        const out = await kubectlOk(['get', 'cb', 'chinchilla-1e21']);
        return /Resolved/.test(out) ? out : undefined;
      },
      20_000,
    );
    const [header, line] = row.trim().split('\n');
    expect(header!.split(/\s{2,}/)).toEqual(['NAME', 'FLOPS', 'LAW', 'N_OPT', 'D_OPT', 'TOKENS/PARAM', 'PHASE', 'AGE']);
    const cells = line!.split(/\s{2,}/);
    expect(cells[0]).toBe('chinchilla-1e21');
    expect(cells[1]).toBe('1e+21');
    expect(cells[2]).toBe('preset:chinchilla-2022');
    // N_opt and D_opt with the interval the preset's paper published (Chinchilla Table 2)
    expect(cells[3]).toMatch(/^[\d.]+[KMBT] \[[\d.]+[KMBT]–[\d.]+[KMBT]\]$/);
    expect(cells[4]).toMatch(/^[\d.]+[KMBT] \[[\d.]+[KMBT]–[\d.]+[KMBT]\]$/);
    expect(Number(cells[5])).toBeGreaterThan(5);
    expect(cells[5]).toBe(String(Number(Number(cells[5]).toPrecision(4)))); // 20.27, not 20.269548712651467
    expect(cells[6]).toBe('Resolved');

    const cr = await getCr('cb', 'chinchilla-1e21');
    expect(cr.metadata.finalizers).toContain('scaleplan.dev/runs');
    expect(cr.status?.observedGeneration).toBe(cr.metadata.generation);
    expect(condition(cr, 'Ready')).toMatchObject({ status: 'True', reason: 'AllocationResolved' });

    const described = await kubectlOk(['describe', 'cb', 'chinchilla-1e21']);
    expect(described).toMatch(/Events:[\s\S]*Normal\s+AllocationResolved\s+\S+\s+scaleplan-control-plane/);
  });

  it('re-resolves a raised budget applied with kubectl apply --server-side', async () => {
    const before = await getCr('cb', 'chinchilla-1e21');
    const raised = readFileSync(join(repoRoot, 'k8s/samples/compute-budget-preset.yaml'), 'utf8').replace('flops: 1e21', 'flops: 1e22');
    expect(await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', '-'], raised)).toContain('serverside-applied');
    const after = await eventually('the raised budget to re-resolve', async () => {
      const cr = await getCr('cb', 'chinchilla-1e21');
      return cr.status?.observedGeneration === before.metadata.generation + 1 && cr.status?.flops === 1e22 ? cr : undefined;
    });
    expect(after.status?.allocation.params).toBeGreaterThan(before.status?.allocation.params);
    expect(condition(after, 'Ready')?.status).toBe('True');
  });

  it('resolves a budget given in accelerator-hours', async () => {
    await kubectlOk(['apply', '-f', join(repoRoot, 'k8s/samples/compute-budget-accelerator-hours.yaml')]);
    const cr = await eventually(
      'h100-5000-hours to resolve',
      async () => {
        const c = await getCr('cb', 'h100-5000-hours');
        return c.status?.phase === 'Resolved' ? c : undefined;
      },
      20_000,
    );
    expect(cr.status?.flops).toBeGreaterThan(1e21);
    expect(cr.status?.lawName).toBe('preset:epoch-2024');
  });

  it('kubectl explain shows the schema descriptions', async () => {
    const explained = await kubectlOk(['explain', 'cb.spec']);
    expect(explained).toContain('KIND:       ComputeBudget');
    expect(explained).toContain('Compute budget C of the final training run, in FLOPs.');
    expect(explained).toMatch(/preset\s+<string>\s+enum: chinchilla-2022/);
    expect(await kubectlOk(['explain', 'sl.spec.sweep.sizesPerBudget'])).toContain('at least 3, to fit a parabola');
  });

  it.each([
    ['a negative budget', 'spec: {flops: -1, preset: chinchilla-2022}', 'spec.flops in body should be greater than 0'],
    ['an unknown field', 'spec: {flops: 1e21, preset: chinchilla-2022, flopz: 3}', 'unknown field "spec.flopz"'],
    ['a bad enum value', 'spec: {flops: 1e21, preset: gpt-5}', 'spec.preset: Unsupported value: "gpt-5"'],
    [
      'a missing required field',
      'spec: {acceleratorHours: {hours: 10}, preset: epoch-2024}',
      'spec.acceleratorHours.accelerator: Required value',
    ],
  ])('kubectl apply rejects %s with the schema message', async (_what, spec, message) => {
    const result = await kubectl(
      ['apply', '-f', '-'],
      `apiVersion: scaleplan.dev/v1alpha1\nkind: ComputeBudget\nmetadata: {name: invalid-budget}\n${spec}\n`,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect((await kubectl(['get', 'cb', 'invalid-budget'])).stderr).toContain('NotFound');
  });

  it.each([
    ['an unknown ScalingLaw', 'unknown-law', 'spec: {flops: 1e21, scalingLaw: no-such-law}', 'UnknownScalingLaw'],
    ['a budget below the smallest model', 'too-small', 'spec: {flops: 100, preset: chinchilla-2022}', 'BudgetTooSmall'],
    [
      'a cross-field rule the API server did not check (CEL)',
      'both-budgets',
      'spec: {flops: 1e21, acceleratorHours: {hours: 10, accelerator: h100-sxm}, preset: epoch-2024}',
      'InvalidBudget',
    ],
  ])('reports %s as a Degraded condition with the reason', async (_what, name, spec, reason) => {
    await kubectlOk(['apply', '-f', '-'], `apiVersion: scaleplan.dev/v1alpha1\nkind: ComputeBudget\nmetadata: {name: ${name}}\n${spec}\n`);
    const cr = await eventually(
      `${name} to get a Degraded condition`,
      async () => {
        const c = await getCr('cb', name);
        return condition(c, 'Degraded')?.reason === reason ? c : undefined;
      },
      20_000,
    );
    expect(condition(cr, 'Ready')).toMatchObject({ status: 'False', reason });
    expect(condition(cr, 'Degraded')!.message.length).toBeGreaterThan(10);
    expect(await kubectlOk(['describe', 'cb', name])).toMatch(new RegExp(`Warning\\s+${reason}\\s`));
    await kubectlOk(['delete', 'cb', name, '--timeout=30s']);
  });

  it('runs a simulated sweep through worker pods to Ready with fitted a and b; kubectl get -w sees the phases', async () => {
    const watcher: ChildProcess = spawn(KUBECTL, ['get', 'cb', '--watch', '--output-watch-events'], {
      env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: emulator.kubeconfigPath },
    });
    let watched = '';
    watcher.stdout!.on('data', (chunk: Buffer) => {
      watched += chunk.toString();
    });
    try {
      await kubectlOk(['apply', '-f', join(repoRoot, 'k8s/samples/scaling-law-simulated-sweep.yaml')]);
      // Workers come from the scaled Deployment (kubelet simulator → real worker processes).
      await eventually(
        'the worker Deployment to be scaled up',
        async () => {
          const deployment = JSON.parse(await kubectlOk(['get', 'deployment', 'scaleplan-worker', '-o', 'json']));
          return deployment.spec.replicas > 0 ? deployment : undefined;
        },
        20_000,
      );
      const law = await eventually(
        'the simulated sweep to be Ready',
        async () => {
          const cr = await getCr('sl', 'simulated-sweep');
          return cr.status?.phase === 'Ready' ? cr : undefined;
        },
        120_000,
        500,
      );
      expect(law.status?.simulated).toBe(true);
      expect(law.status?.runsSummary).toBe('15/15');
      expect(law.status?.primaryFit.a).toBeGreaterThan(0.3);
      expect(law.status?.primaryFit.a).toBeLessThan(0.7);
      expect(law.status?.primaryFit.b).toBeGreaterThan(0.3);
      expect(law.status?.primaryFit.b).toBeLessThan(0.7);
      const row = (await kubectlOk(['get', 'sl', 'simulated-sweep', '--no-headers'])).trim().split(/\s{2,}/);
      expect(row.slice(0, 2)).toEqual(['simulated-sweep', '15/15']);
      expect(Number(row[2])).toBeCloseTo(law.status?.primaryFit.a, 3);
      expect(row[2]).toBe(String(Number(Number(row[2]).toPrecision(4)))); // a rounded to 4 significant figures
      expect(row[3]).toBe(String(Number(Number(row[3]).toPrecision(4))));
      expect(row[4]).toBe('Trusted'); // the Verdict column
      expect(row[5]).toBe('Ready');

      const budget = await eventually(
        'on-simulated-sweep to resolve from the fit',
        async () => {
          const cr = await getCr('cb', 'on-simulated-sweep');
          return cr.status?.phase === 'Resolved' ? cr : undefined;
        },
        30_000,
      );
      expect(budget.status?.lawName).toContain('default/simulated-sweep');
      await eventually(
        `kubectl get -w to print the phase changes (got:\n${watched})`,
        async () => /\s+on-simulated-sweep\s[^\n]*Pending/.test(watched) && /MODIFIED\s+on-simulated-sweep\s[^\n]*Resolved/.test(watched),
        10_000,
      ).catch((error) => {
        throw new Error(`${(error as Error).message.split('\n')[0]}\n${watched}`);
      });

      const described = await kubectlOk(['describe', 'sl', 'simulated-sweep']);
      expect(described).toMatch(/Events:/);
      expect(described).toMatch(/Normal\s+FitConverged|Normal\s+SweepComplete|Normal\s+SweepRunning/);
    } finally {
      watcher.kill();
    }
  }, 180_000);

  it('trains one tiny real final run in a worker pod', async () => {
    await kubectlOk(
      ['apply', '-f', '-'],
      'apiVersion: scaleplan.dev/v1alpha1\nkind: ComputeBudget\nmetadata: {name: tiny-real}\nspec: {flops: 3e9, preset: chinchilla-2022, train: true}\n',
    );
    const cr = await eventually(
      'the tiny real final run to succeed',
      async () => {
        const c = await getCr('cb', 'tiny-real');
        if (c.status?.finalRun?.state === 'failed') throw new FatalCheck(`final run failed: ${c.status.finalRun.message}`);
        return c.status?.phase === 'Succeeded' ? c : undefined;
      },
      150_000,
      1000,
    );
    expect(cr.status?.finalRun).toMatchObject({ state: 'succeeded', simulated: false });
    expect(cr.status?.finalRun.finalLoss).toBeGreaterThan(0);
  }, 180_000);

  it('kubectl delete cancels and removes the runs of a study, then the finalizer lets it go', async () => {
    const runsUrl = `${controlPlane!.url}/api/v1/namespaces/default/scalinglaws/simulated-sweep/runs`;
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    expect((await fetch(runsUrl, auth)).status).toBe(200);
    await kubectlOk(['delete', 'sl', 'simulated-sweep', '--timeout=60s']);
    expect((await kubectl(['get', 'sl', 'simulated-sweep'])).stderr).toContain('NotFound');
    expect((await fetch(runsUrl, auth)).status).toBe(404);
    const leftovers = await redis.keys(`${prefix}:*simulated-sweep*`);
    expect(leftovers).toEqual([]);
  });

  it('serves the REST API and metrics on top of the custom resources', async () => {
    const created = await fetch(`${controlPlane!.url}/api/v1/namespaces/default/computebudgets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'scaleplan.dev/v1alpha1',
        kind: 'ComputeBudget',
        metadata: { name: 'from-rest' },
        spec: { flops: 1e20, preset: 'epoch-2024' },
      }),
    });
    expect(created.status).toBe(201);
    await eventually('the REST-created budget to resolve in kubectl', async () =>
      /from-rest\s+1e\+20\s.*Resolved/.test(await kubectlOk(['get', 'cb'])),
    );
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    const list = await fetch(`${controlPlane!.url}/api/v1/namespaces/default/computebudgets`, auth);
    expect(list.status).toBe(200);
    const body = (await list.json()) as { items?: { metadata: { name: string } }[] } | { metadata: { name: string } }[];
    const items = Array.isArray(body) ? body : (body.items ?? []);
    expect(items.map((b) => b.metadata.name)).toContain('from-rest');
    const metrics = await fetch(`${controlPlane!.url}/metrics`, auth);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toContain('scaleplan_kube_informer_healthy{kind="ComputeBudget"} 1');
    expect(text).toContain('scaleplan_kube_informer_healthy{kind="ScalingLaw"} 1');
  });

  it('recovers from dropped watches and a compacted event log (informer restart and relist)', async () => {
    expect(emulator.dropWatches()).toBeGreaterThan(0);
    await kubectlOk(
      ['apply', '-f', '-'],
      'apiVersion: scaleplan.dev/v1alpha1\nkind: ComputeBudget\nmetadata: {name: after-drop}\nspec: {flops: 1e19, preset: chinchilla-2022}\n',
    );
    await eventually(
      'a budget created after the watch drop to resolve',
      async () => (await getCr('cb', 'after-drop')).status?.phase === 'Resolved',
      20_000,
    );
    emulator.compactEventLog();
    emulator.dropWatches();
    await kubectlOk(
      ['apply', '-f', '-'],
      'apiVersion: scaleplan.dev/v1alpha1\nkind: ComputeBudget\nmetadata: {name: after-compaction}\nspec: {flops: 1e18, preset: chinchilla-2022}\n',
    );
    await eventually(
      'a budget created after compaction to resolve',
      async () => (await getCr('cb', 'after-compaction')).status?.phase === 'Resolved',
      20_000,
    );
  });

  it('continues a sweep after the control plane restarts mid-sweep', async () => {
    const sweep = readFileSync(join(repoRoot, 'k8s/samples/scaling-law-simulated-sweep.yaml'), 'utf8')
      .split('---')[0]!
      .replace('name: simulated-sweep', 'name: restart-sweep')
      .replace('durationMs: 200', 'durationMs: 1500');
    await kubectlOk(['apply', '-f', '-'], sweep);
    const atRestart = await eventually(
      'some runs of restart-sweep to finish',
      async () => {
        const summary = (await getCr('sl', 'restart-sweep')).status?.runsSummary as string | undefined;
        return summary && Number(summary.split('/')[0]) > 0 ? summary : undefined;
      },
      60_000,
      500,
    );
    expect(Number(atRestart.split('/')[0])).toBeLessThan(15); // really mid-sweep
    await controlPlane!.close();
    controlPlane = undefined;
    controlPlane = await startPlane();
    const law = await eventually(
      'restart-sweep to be Ready after the restart',
      async () => {
        const cr = await getCr('sl', 'restart-sweep');
        return cr.status?.phase === 'Ready' ? cr : undefined;
      },
      120_000,
      500,
    );
    expect(law.status?.runsSummary).toBe('15/15');
    expect(law.status?.primaryFit.a).toBeGreaterThan(0);
  }, 180_000);
});
