import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { KubeHttpHandler } from './http-server.js';
import { KubeApi } from './kube-api.js';
import { Kubelet, type KubeletOptions } from './kubelet.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ObjectStore } from './object-store.js';
import { rfc3339 } from './object-metadata.js';
import { ResourceRegistry } from './resource-registry.js';

/** Options of `startKubeEmulator`. */
export interface KubeEmulatorOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Where to write the kubeconfig. @default a fresh file under the OS temp dir */
  readonly kubeconfigPath?: string;
  /** Run the kubelet simulator (Jobs and Deployments get pods, pods run as local processes). Off when absent. */
  readonly kubelet?: KubeletOptions | boolean;
  /** Events kept for watch replay; a watch from an older resourceVersion gets 410 Gone. @default 10000 */
  readonly eventLogSize?: number;
  /** BOOKMARK interval for watches that allow bookmarks. @default 15000 */
  readonly bookmarkIntervalMs?: number;
  /** Watch length when the client gives no timeoutSeconds. @default 1800 */
  readonly defaultWatchTimeoutSeconds?: number;
}

/** A running emulator. */
export interface KubeEmulator {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The kubeconfig written for kubectl and client-node. */
  readonly kubeconfigPath: string;
  /** In-process access to the API semantics (for tests that want to seed or inspect state without HTTP). */
  readonly api: KubeApi;
  /** Ends every open watch stream (tests of informer recovery); returns how many were open. */
  dropWatches(): number;
  /** Forgets the watch event log, so any watch from an older resourceVersion gets 410 Gone. */
  compactEventLog(): void;
  /** Stops the kubelet (killing pod processes), ends watches and closes the server. */
  stop(): Promise<void>;
}

/**
 * Starts the Kubernetes API emulator: an in-memory API server on 127.0.0.1 that kubectl 1.32 and
 * @kubernetes/client-node 1.4 work against unchanged, optionally with a kubelet simulator that runs pods as local
 * processes. Writes a kubeconfig pointing at it.
 */
export async function startKubeEmulator(options: KubeEmulatorOptions = {}): Promise<KubeEmulator> {
  const registry = new ResourceRegistry();
  const store = new ObjectStore(options.eventLogSize ?? 10_000);
  const api = new KubeApi(registry, store);
  const now = Date.now();
  for (const name of ['default', 'kube-system', 'kube-public']) {
    api.create(
      registry.find('', 'v1', 'namespaces')!,
      undefined,
      { metadata: { name, creationTimestamp: rfc3339(now) } },
      { fieldManager: 'kube-apiserver' },
    );
  }
  const kubeletOptions = options.kubelet === true ? {} : options.kubelet === false ? undefined : options.kubelet;
  const kubelet = kubeletOptions ? new Kubelet(api, kubeletOptions) : undefined;
  const handler = new KubeHttpHandler(
    api,
    { bookmarkIntervalMs: options.bookmarkIntervalMs ?? 15_000, defaultTimeoutSeconds: options.defaultWatchTimeoutSeconds ?? 1800 },
    kubelet ? (ns, name, container) => kubelet.logs(ns, name, container) : undefined,
  );
  const server: Server = createServer(handler.listener);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  handler.serverAddress = `127.0.0.1:${port}`;
  const kubeconfigPath = options.kubeconfigPath ?? join(mkdtempSync(join(tmpdir(), 'kube-emulator-')), 'kubeconfig');
  writeKubeconfig(kubeconfigPath, url);
  kubelet?.start();
  let stopped = false;
  return {
    url,
    port,
    kubeconfigPath,
    api,
    dropWatches: () => handler.dropWatches(),
    compactEventLog: () => store.compact(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await kubelet?.stop();
      handler.dropWatches();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
