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
import { ServiceProxy } from './service-proxy.js';
import { ServiceAccountTokens } from './service-account-tokens.js';
import { TokenAuthenticator, type EmulatorUser } from './access-review.js';

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
  /**
   * Users known by static bearer tokens, for TokenReview (and SelfSubjectAccessReview). Service-account tokens
   * the kubelet mounts are known too. Requests without a token act as the cluster admin.
   */
  readonly users?: readonly EmulatorUser[];
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
  /** Issues service-account tokens this emulator accepts (tests: a caller with a service account's identity). */
  readonly tokens: ServiceAccountTokens;
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
  const tokens = kubeletOptions?.tokens ?? new ServiceAccountTokens();
  // The kubelet needs the server's URL (for pods' kubeconfigs), the server needs the kubelet (for logs).
  const node: { kubelet?: Kubelet } = {};
  const handler = new KubeHttpHandler(
    api,
    { bookmarkIntervalMs: options.bookmarkIntervalMs ?? 15_000, defaultTimeoutSeconds: options.defaultWatchTimeoutSeconds ?? 1800 },
    kubeletOptions ? (ns, name, container) => node.kubelet?.logs(ns, name, container) : undefined,
    new TokenAuthenticator(tokens, options.users ?? []),
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
  // Built once the URL is known: pods with an automounted service-account token get a kubeconfig pointing here.
  const kubelet = kubeletOptions ? new Kubelet(api, { apiServerUrl: url, ...kubeletOptions, tokens }) : undefined;
  node.kubelet = kubelet;
  const proxy = kubelet ? new ServiceProxy(api) : undefined;
  handler.serverAddress = `127.0.0.1:${port}`;
  const kubeconfigPath = options.kubeconfigPath ?? join(mkdtempSync(join(tmpdir(), 'kube-emulator-')), 'kubeconfig');
  writeKubeconfig(kubeconfigPath, url);
  kubelet?.start();
  proxy?.start();
  let stopped = false;
  return {
    url,
    port,
    kubeconfigPath,
    api,
    tokens,
    dropWatches: () => handler.dropWatches(),
    compactEventLog: () => store.compact(),
    async stop() {
      if (stopped) return;
      stopped = true;
      await kubelet?.stop();
      await proxy?.stop();
      handler.dropWatches();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
