import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApi } from './kube-api.js';
import { Kubelet } from './kubelet.js';
import { ObjectStore } from './object-store.js';
import { ResourceRegistry } from './resource-registry.js';
import { ServiceAccountTokens } from './service-account-tokens.js';
import { ServiceProxy } from './service-proxy.js';

let api: KubeApi;
let kubelet: Kubelet;
let proxy: ServiceProxy;
let tokens: ServiceAccountTokens;
let dir: string;
const t = (group: string, plural: string) => api.registry.find(group, 'v1', plural)!;

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends a line to host:port and resolves with the first answer (or '' when the connection is closed). */
const ask = (host: string, port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('utf8');
      socket.end();
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(''));
  });

/** A TCP server on HOST:PORT that answers with its pod name. */
const echo = `require("net").createServer((s) => s.end(process.env.HOSTNAME)).listen(Number(process.env.PORT), process.env.HOST);`;
const echoPod = (name: string, port: number) => ({
  metadata: { name, labels: { app: 'echo' } },
  spec: {
    containers: [
      {
        name: 'c',
        image: 'x',
        command: [process.execPath, '-e', echo],
        env: [
          { name: 'PORT', value: String(port) },
          { name: 'HOST', value: '0.0.0.0' },
        ],
        ports: [{ name: 'echo', containerPort: port }],
        readinessProbe: { tcpSocket: { port: 'echo' }, periodSeconds: 1 },
      },
    ],
  },
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubelet-network-'));
  tokens = new ServiceAccountTokens();
  api = new KubeApi(new ResourceRegistry(), new ObjectStore(1000));
  api.create(t('', 'namespaces'), undefined, { metadata: { name: 'default' } });
  kubelet = new Kubelet(api, {
    workdir: dir,
    restartDelayMs: 50,
    killGraceMs: 200,
    podRoot: join(dir, 'pods'),
    tokens,
    apiServerUrl: 'http://127.0.0.1:6443',
  });
  kubelet.start();
  proxy = new ServiceProxy(api);
  proxy.start();
});

afterEach(async () => {
  await proxy.stop();
  await kubelet.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('kubelet simulator: networking', () => {
  it('gives each pod its own loopback IP, so two pods serve the same port on 0.0.0.0', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    api.create(t('', 'pods'), 'default', echoPod('echo-a', port));
    api.create(t('', 'pods'), 'default', echoPod('echo-b', port));
    const ips = await until('both pods Ready', () => {
      const pods = ['echo-a', 'echo-b'].map(
        (name) =>
          api.find(t('', 'pods'), 'default', name)?.status as
            { podIP?: string; conditions?: { type: string; status: string }[] } | undefined,
      );
      return pods.every((p) => p?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        ? pods.map((p) => p!.podIP!)
        : undefined;
    });
    expect(new Set(ips).size).toBe(2);
    for (const ip of ips) expect(ip).toMatch(/^127\.0\.\d+\.\d+$/);
    // A tcpSocket probe passing proves the port accepts, not that a connection made right after is served under
    // load: ask until a pod answers, then check that each address reached its own pod.
    const answer = (ip: string) => until(`an answer from ${ip}`, async () => (await ask(ip, port)) || undefined);
    expect(await answer(ips[0]!)).toBe('echo-a');
    expect(await answer(ips[1]!)).toBe('echo-b');
  });

  it('gives Services a cluster IP that proxies to Ready pods by a named target port, and service env vars to later pods', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const servicePort = 20_000 + Math.floor(Math.random() * 20_000);
    const service = api.create(t('', 'services'), 'default', {
      metadata: { name: 'echo-svc' },
      spec: { selector: { app: 'echo' }, ports: [{ name: 'tcp', port: servicePort, targetPort: 'echo' }] },
    });
    const clusterIP = (service.spec as { clusterIP: string }).clusterIP;
    expect(clusterIP).toMatch(/^127\.1\.\d+\.\d+$/);
    // kubectl apply re-sends the spec without clusterIP: it is kept.
    api.patch(t('', 'services'), 'default', 'echo-svc', '', 'merge', {
      spec: { ports: [{ name: 'tcp', port: servicePort, targetPort: 'echo' }] },
    });
    expect((api.find(t('', 'services'), 'default', 'echo-svc')!.spec as { clusterIP: string }).clusterIP).toBe(clusterIP);

    expect(await until('the proxy to listen', async () => (await ask(clusterIP, servicePort)) === '' && proxy.failures.size === 0)).toBe(
      true,
    );
    api.create(t('', 'pods'), 'default', echoPod('echo-a', port));
    expect(await until('an answer through the Service', async () => (await ask(clusterIP, servicePort)) || undefined)).toBe('echo-a');

    api.create(t('', 'pods'), 'default', {
      metadata: { name: 'client' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'c',
            image: 'x',
            command: [
              process.execPath,
              '-e',
              `require("fs").writeFileSync(${JSON.stringify(join(dir, 'env.json'))}, JSON.stringify(process.env))`,
            ],
            env: [{ name: 'ECHO_URL', value: 'tcp://$(ECHO_SVC_SERVICE_HOST):$(ECHO_SVC_SERVICE_PORT_TCP)' }],
          },
        ],
      },
    });
    await until(
      'the client to finish',
      () => (api.find(t('', 'pods'), 'default', 'client')?.status as { phase?: string } | undefined)?.phase === 'Succeeded',
    );
    const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as Record<string, string>;
    expect(env).toMatchObject({
      ECHO_SVC_SERVICE_HOST: clusterIP,
      ECHO_SVC_SERVICE_PORT: String(servicePort),
      ECHO_URL: `tcp://${clusterIP}:${servicePort}`,
      [`ECHO_SVC_PORT_${servicePort}_TCP_ADDR`]: clusterIP,
    });
    // A pod of the default service account gets its token, and a kubeconfig naming the API server and its namespace.
    const kubeconfig = readFileSync(env.KUBECONFIG!, 'utf8');
    expect(kubeconfig).toContain('server: http://127.0.0.1:6443');
    expect(kubeconfig).toContain('namespace: default');
    const token = /token: (\S+)/.exec(kubeconfig)![1]!;
    expect(tokens.verify(token)).toMatchObject({ namespace: 'default', serviceAccount: 'default', podName: 'client' });
  });

  it('gives no credentials to a pod whose service account opts out of automounting', async () => {
    api.create(t('', 'serviceaccounts'), 'default', { metadata: { name: 'worker' }, automountServiceAccountToken: false });
    api.create(t('', 'pods'), 'default', {
      metadata: { name: 'no-creds' },
      spec: {
        restartPolicy: 'Never',
        serviceAccountName: 'worker',
        containers: [{ name: 'c', image: 'x', command: [process.execPath, '-e', `process.exit(process.env.KUBECONFIG ? 1 : 0)`] }],
      },
    });
    await until(
      'success',
      () => (api.find(t('', 'pods'), 'default', 'no-creds')?.status as { phase?: string } | undefined)?.phase === 'Succeeded',
    );
  });
});
