// The in-cluster path, with nothing run outside the cluster: `kubectl apply -k k8s/` on the kube emulator with its
// kubelet, which runs every pod of the install as a process — Redis (redis-server), the two control-plane replicas
// (dist/apps/control-plane, with their ServiceAccount's token, the dashboard-token Secret mounted as a file, and
// probes on their own pod IPs) and the scaled workers (dist/apps/worker) — and routes the Services. Then samples are
// applied with kubectl and reach their answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeEmulator, startKubeEmulator } from '@scaleplan/kube-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, type KubectlResult } from '../support/kubectl.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const TOKEN = 'in-cluster-e2e-token';

let emulator: KubeEmulator;
let home: string;

const kubectl = (args: string[], input?: string): Promise<KubectlResult> =>
  runKubectl({ home, kubeconfig: emulator.kubeconfigPath }, args, input, 120_000);

const kubectlOk = async (args: string[], input?: string): Promise<string> => {
  const result = await kubectl(args, input);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result.stdout;
};

async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const pods = await kubectl(['get', 'pods', '-A', '-o', 'wide']);
  const logs = await kubectl(['-n', 'scaleplan', 'logs', '-l', 'app.kubernetes.io/component=control-plane', '--tail', '15']);
  throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}\n${pods.stdout}\n${logs.stdout}`);
}

interface PodJson {
  metadata: { name: string; labels: Record<string, string> };
  status: { phase: string; podIP: string; conditions?: { type: string; status: string }[] };
}
const pods = async (component: string): Promise<PodJson[]> =>
  (
    JSON.parse(await kubectlOk(['-n', 'scaleplan', 'get', 'pods', '-l', `app.kubernetes.io/component=${component}`, '-o', 'json'])) as {
      items: PodJson[];
    }
  ).items;
const isReady = (pod: PodJson) => pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));
  emulator = await startKubeEmulator({
    kubelet: {
      workdir: repoRoot,
      killGraceMs: 1000,
      restartDelayMs: 1000,
      // Pods see only their own environment (and PATH to find node and redis-server), as containers would.
      inheritEnv: false,
      env: { PATH: process.env.PATH ?? '' },
    },
  });
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
  rmSync(home, { recursive: true, force: true });
}, 60_000);

describe('kubectl apply -k k8s/ on the emulator', () => {
  it('brings up Redis, two control planes (one leader) and the workers, all as pods', async () => {
    await kubectlOk(['apply', '-k', join(repoRoot, 'k8s')]);
    // Until the Secret exists, the control-plane pods wait in ContainerCreating (their token volume can't be mounted).
    const waiting = await eventually('control-plane pods waiting for their Secret', async () => {
      const cps = await pods('control-plane');
      return cps.length === 2 && cps.every((p) => p.status.phase === 'Pending') ? cps : undefined;
    });
    expect(waiting).toHaveLength(2);
    await kubectlOk(['-n', 'scaleplan', 'create', 'secret', 'generic', 'scaleplan-dashboard-token', `--from-literal=token=${TOKEN}`]);

    await kubectlOk(['-n', 'scaleplan', 'rollout', 'status', 'deployment/scaleplan-redis', '--timeout=90s']);
    await kubectlOk(['-n', 'scaleplan', 'rollout', 'status', 'deployment/scaleplan-control-plane', '--timeout=120s']);
    const cps = await pods('control-plane');
    expect(cps.map(isReady)).toEqual([true, true]); // the standby is Ready too (the Service routes by the leader label)
    expect(new Set(cps.map((p) => p.status.podIP)).size).toBe(2);
    const lease = JSON.parse(await kubectlOk(['-n', 'scaleplan', 'get', 'lease', 'scaleplan-control-plane', '-o', 'json'])) as {
      spec: { holderIdentity: string };
    };
    expect(cps.map((p) => p.metadata.name)).toContain(lease.spec.holderIdentity);
    const leader = await eventually('the leader label', async () =>
      (await pods('control-plane')).filter((p) => p.metadata.labels['scaleplan.dev/leader'] === 'true'),
    );
    expect(leader.map((p) => p.metadata.name)).toEqual([lease.spec.holderIdentity]);
    const redis = await pods('redis');
    expect(redis.map(isReady)).toEqual([true]);
    expect(redis[0]!.status.podIP).not.toBe('127.0.0.1'); // its own address, not the host's Redis
  }, 240_000);

  it('answers a preset budget applied with kubectl, and serves the REST API through the Service', async () => {
    await kubectlOk(['apply', '-f', join(repoRoot, 'k8s/samples/compute-budget-preset.yaml')]);
    await eventually('the preset budget to resolve', async () => /Resolved/.test(await kubectlOk(['get', 'cb', 'chinchilla-1e21'])));
    const service = JSON.parse(await kubectlOk(['-n', 'scaleplan', 'get', 'service', 'scaleplan-control-plane', '-o', 'json'])) as {
      spec: { clusterIP: string };
    };
    // Port 80 needs root to bind on the host (the emulator's service proxy says so otherwise).
    if (process.getuid?.() === 0) {
      const response = await eventually('the API through the Service', async () => {
        const r = await fetch(`http://${service.spec.clusterIP}/api/v1/namespaces/default/computebudgets/chinchilla-1e21`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        return r.ok ? r : undefined;
      });
      expect(((await response.json()) as { status: { phase: string } }).status.phase).toBe('Resolved');
    }
  }, 120_000);

  it('trains a simulated sweep on the worker pods the leader scales, to Ready', async () => {
    await kubectlOk(['apply', '-f', join(repoRoot, 'k8s/samples/scaling-law-simulated-sweep.yaml')]);
    const law = await eventually(
      'the simulated sweep to be Ready',
      async () => {
        const cr = JSON.parse(await kubectlOk(['get', 'sl', 'simulated-sweep', '-o', 'json'])) as {
          status?: { phase?: string; runs?: { succeeded: number } };
        };
        return cr.status?.phase === 'Ready' ? cr : undefined;
      },
      180_000,
    );
    expect(law.status?.runs?.succeeded).toBe(15);
  }, 240_000);
});
