// The informer wrapper against a real API-server outage: client-node 1.4's informer stops for good when its
// watch fails with anything but 410 (here: connection refused while the emulator is down). The
// ResilientInformer must restart it with backoff and catch up once a server is back on the same address.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPUTE_BUDGET_GVR, type ComputeBudget, ResourceKind } from '@scaleplan/contracts';
import { type KubeEmulator, startKubeEmulator } from '@scaleplan/kube-emulator';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { startControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import { createKubeClients, loadKubeConfig } from '../../apps/control-plane/src/kube/kube-client.js';
import { deletePrefix, nullStream, uniquePrefix, waitFor } from '../support/e2e-harness.js';
import { KubeResourceStore } from '../../apps/control-plane/src/kube/kube-resource-store.js';
import { applyScalePlanCrds, runKubectlOk, type KubectlTarget } from '../support/kubectl.js';

const home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));
const kubeconfigPath = join(home, 'kubeconfig');
const target: KubectlTarget = { home, kubeconfig: kubeconfigPath };
let emulator: KubeEmulator | undefined;

const kubectl = (args: string[], input?: string): Promise<string> => runKubectlOk(target, args, input);

async function serve(port = 0): Promise<KubeEmulator> {
  emulator = await startKubeEmulator({ port, kubeconfigPath });
  await applyScalePlanCrds(target);
  return emulator;
}

const budget = (name: string) =>
  `apiVersion: scaleplan.dev/v1alpha1\nkind: ComputeBudget\nmetadata: {name: ${name}}\nspec: {flops: 1e21, preset: chinchilla-2022}\n`;

const until = async (what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> => void (await waitFor(what, check, timeoutMs));

afterAll(async () => {
  await emulator?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('ResilientInformer with client-node against the emulator', () => {
  it('restarts after the API server went away and sees what changed meanwhile', async () => {
    const first = await serve();
    const log = pino({ level: 'silent' });
    const clients = createKubeClients(loadKubeConfig(kubeconfigPath));
    const store = new KubeResourceStore<ComputeBudget>(
      clients.customObjects,
      { record: async () => {} },
      { kind: ResourceKind.ComputeBudget, ...COMPUTE_BUDGET_GVR, namespace: '' },
      log,
      KubeResourceStore.informerFactory(clients.config, log, { initialBackoffMs: 200, maxBackoffMs: 1000, resyncSeconds: 0 }),
    );
    const seen = new Set<string>();
    store.onChange(({ type, resource }) => seen.add(`${type}:${resource.metadata.name}`));
    await store.start();
    await kubectl(['apply', '-f', '-'], budget('before-outage'));
    await until('the informer to see before-outage', () => seen.has('added:before-outage'));

    await first.stop(); // every watch ends, and the reconnect is refused: a non-410 error
    await until('the informer to notice the outage', () => store.watcher?.healthy === false, 10_000);
    await new Promise((r) => setTimeout(r, 1500)); // a few failed restarts while the server is down

    await serve(first.port); // a fresh, empty API server on the same address
    await kubectl(['apply', '-f', '-'], budget('after-outage'));
    await until('the restarted informer to see after-outage', () => seen.has('added:after-outage'));
    // The relist after the restart also notices what disappeared (the fresh server never had it).
    await until('the relist to report before-outage deleted', () => seen.has('deleted:before-outage'));
    expect(store.watcher?.restarts).toBeGreaterThan(0);
    expect(store.watcher?.healthy).toBe(true);
    await store.close();
  });
});

describe('/readyz of a control plane in kubernetes mode', () => {
  it('answers 503 naming the informer while the API server is gone past the grace period, and 200 once it is back', async () => {
    await emulator?.stop(); // the previous test's server
    const server = await serve();
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const prefix = uniquePrefix('readyz-kube');
    process.env.KUBECONFIG = kubeconfigPath; // client-node reads it when the control plane builds its clients
    const cp = await startControlPlane({
      port: 0,
      host: '127.0.0.1',
      dispatch: 'kubernetes',
      queuePrefix: prefix,
      dashboardToken: 'e2e',
      namespace: '',
      env: { REDIS_URL: redisUrl, LOG_LEVEL: 'silent' },
      logDestination: nullStream(),
      tuning: { informerReadinessGraceMs: 1000, resyncSeconds: 1 },
    });
    try {
      const ready = (await request(cp.url).get('/readyz').expect(200)).body;
      expect(ready.checks.informers).toMatchObject({ ready: true, ScalingLaw: { healthy: true }, ComputeBudget: { healthy: true } });

      await server.stop();
      const down = await waitFor(
        '/readyz to fail',
        async () => {
          const response = await request(cp.url).get('/readyz');
          return response.status === 503 ? response.body : undefined;
        },
        15_000,
        100,
      );
      expect(down).toMatchObject({ status: 'unavailable', redis: 'up', checks: { informers: { ready: false } } });
      expect(down.message).toMatch(/Kubernetes watch unavailable: the (ScalingLaw|ComputeBudget) informer has been failing for \d+ s/);
      await request(cp.url).get('/healthz').expect(200); // alive: only not ready

      await serve(server.port);
      await waitFor('/readyz to recover', async () => (await request(cp.url).get('/readyz')).status === 200, 30_000, 200);
    } finally {
      await cp.close();
      await deletePrefix(redisUrl, prefix);
    }
  }, 90_000);
});
