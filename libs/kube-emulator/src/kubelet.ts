import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeApiError } from './errors.js';
import type { KubeApi } from './kube-api.js';
import { randomSuffix, rfc3339 } from './object-metadata.js';
import { ContainerProbes, type ProbeSpec } from './pod-probes.js';
import { mountVolumes, unmountVolumes, VolumeNotReady, type MountedVolumes, type VolumeMountSpec } from './pod-volumes.js';
import { ServiceAccountTokens } from './service-account-tokens.js';
import type { StoredEvent } from './object-store.js';
import type { KubeObject, OwnerReference, ResourceType } from './types.js';

/** A pod's first container, as the kubelet simulator sees it. */
export interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, string>> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string }; prefix?: string }[];
  volumeMounts?: VolumeMountSpec[];
  /** `FallbackToLogsOnError`: a failed container's termination message is the tail of its log. */
  terminationMessagePolicy?: string;
  ports?: { name?: string; containerPort: number }[];
  startupProbe?: ProbeSpec;
  livenessProbe?: ProbeSpec;
  readinessProbe?: ProbeSpec;
}

/** What to run for an image whose entrypoint is implicit (no `command` in the pod spec). */
export interface ImageEntrypoint {
  readonly command: readonly string[];
  readonly args?: readonly string[];
}

/** Options of the kubelet simulator. */
export interface KubeletOptions {
  /** Working directory of pod processes (a container's `workingDir` overrides it). @default process.cwd() */
  readonly workdir?: string;
  /** Maps an image to its entrypoint when the container has no `command` (kwok-style: no images, real processes). */
  readonly imageCommand?: (image: string, container: ContainerSpec) => ImageEntrypoint | undefined;
  /** Extra environment for every pod process (on top of the emulator's own environment unless `inheritEnv` is false). */
  readonly env?: Readonly<Record<string, string>>;
  /** Pass the emulator's environment (PATH…, but never KUBECONFIG) to pod processes. @default true */
  readonly inheritEnv?: boolean;
  /** Node name reported in pod specs. @default 'kube-emulator' */
  readonly nodeName?: string;
  /** Delay before restarting a container under restartPolicy Always/OnFailure. @default 1000 */
  readonly restartDelayMs?: number;
  /** Time between SIGTERM and SIGKILL when a pod is deleted. @default 2000 */
  readonly killGraceMs?: number;
  /** Bytes of stdout+stderr kept per pod for `kubectl logs`. @default 1 MiB */
  readonly logLimitBytes?: number;
  /** Where pod volumes are written (one folder per pod, removed with it). @default a fresh temp folder */
  readonly podRoot?: string;
  /** Issues the service-account tokens of projected volumes (the emulator shares it with TokenReview). */
  readonly tokens?: ServiceAccountTokens;
  /**
   * The API server's URL. When set, a pod whose service account token is automounted gets a kubeconfig with
   * that token (`KUBECONFIG`), so client libraries reach the emulator with the pod's own identity.
   */
  readonly apiServerUrl?: string;
}

interface RunningPod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  process?: ChildProcess;
  restartTimer?: ReturnType<typeof setTimeout>;
  restartCount: number;
  startedAt?: string;
  killed: boolean;
  log: string;
  /** The pod's own loopback address (127.0.x.y), its podIP. */
  readonly ip: string;
  /** Folder of the pod's volumes, once mounted. */
  volumes?: MountedVolumes;
  /** The running container's probes. */
  probes?: ContainerProbes;
}

type Status = Record<string, unknown>;
const isTrue = (conditions: unknown, type: string) =>
  Array.isArray(conditions) && conditions.some((c: { type?: string; status?: string }) => c.type === type && c.status === 'True');

/** A pod that is scheduled and no more: Pending, with the PodScheduled condition only. */
const scheduledOnly = (now: string) => ({
  phase: 'Pending',
  conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }],
});
/** The status of a container that is not running: waiting to start, or terminated. */
const idleContainerStatus = (container: ContainerSpec, restartCount: number, state: Status) => ({
  name: container.name,
  image: container.image ?? '',
  ready: false,
  started: false,
  restartCount,
  state,
});
const controllerOf = (o: KubeObject): OwnerReference | undefined => (o.metadata.ownerReferences ?? []).find((r) => r.controller);
const ownedBy = (o: KubeObject, uid: string) => (o.metadata.ownerReferences ?? []).some((r) => r.uid === uid);

/**
 * kwok-style node simulator: Jobs and Deployments get Pods, and each Pod's first container runs as a local child
 * process (`command` + `args`, env from the pod spec). Pod, Job and Deployment status follow the processes.
 * Simplifications: Deployments own their Pods directly (no ReplicaSet), template changes recreate all Pods at once,
 * only the first container runs, and readiness means "process running".
 */
export class Kubelet {
  private readonly pods = new Map<string, RunningPod>();
  private readonly queue = new Set<string>();
  private scheduled = false;
  private unsubscribe: (() => void) | undefined;
  private stopping = false;
  private readonly podType: ResourceType;
  private readonly jobType: ResourceType;
  private readonly deploymentType: ResourceType;
  private readonly podRoot: string;
  private readonly ownsPodRoot: boolean;
  private readonly tokens: ServiceAccountTokens;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly api: KubeApi,
    private readonly options: KubeletOptions = {},
  ) {
    this.ownsPodRoot = options.podRoot === undefined;
    this.podRoot = options.podRoot ?? mkdtempSync(join(tmpdir(), 'kube-emulator-pods-'));
    this.tokens = options.tokens ?? new ServiceAccountTokens();
    this.podType = api.registry.find('', 'v1', 'pods')!;
    this.jobType = api.registry.find('batch', 'v1', 'jobs')!;
    this.deploymentType = api.registry.find('apps', 'v1', 'deployments')!;
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe((e) => this.onEvent(e));
    for (const t of [this.jobType, this.deploymentType, this.podType]) {
      for (const o of this.api.list(t, undefined).items) this.enqueue(`${t.plural}/${o.metadata.namespace}/${o.metadata.name}`);
    }
  }

  /** Stops reacting and kills every pod process (SIGTERM, then SIGKILL after the grace period). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearTimeout(timer);
    await Promise.all([...this.pods.values()].map((p) => this.kill(p)));
    this.pods.clear();
    if (this.ownsPodRoot) rmSync(this.podRoot, { recursive: true, force: true });
  }

  /** Runs `action` after `ms` unless the kubelet stops first. */
  private later(ms: number, action: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping) action();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  /** Captured stdout+stderr of a pod (undefined when it never ran here). */
  logs(namespace: string, name: string, _container?: string): string | undefined {
    for (const p of this.pods.values()) if (p.namespace === namespace && p.name === name) return p.log;
    return undefined;
  }

  private onEvent(e: StoredEvent): void {
    const o = e.object;
    const key = (plural: string) => `${plural}/${o.metadata.namespace}/${o.metadata.name}`;
    if (e.groupResource === 'pods') {
      if (e.type === 'DELETED') {
        const running = this.pods.get(o.metadata.uid!);
        if (running)
          void this.kill(running).then(() => {
            this.pods.delete(o.metadata.uid!);
            if (running.volumes) unmountVolumes(running.volumes.root);
          });
      } else this.enqueue(key('pods'));
      const owner = controllerOf(o);
      if (owner?.kind === 'Job') this.enqueue(`jobs/${o.metadata.namespace}/${owner.name}`);
      if (owner?.kind === 'Deployment') this.enqueue(`deployments/${o.metadata.namespace}/${owner.name}`);
    } else if (e.groupResource === 'jobs.batch') {
      if (e.type !== 'DELETED') this.enqueue(key('jobs'));
    } else if (e.groupResource === 'deployments.apps') {
      if (e.type !== 'DELETED') this.enqueue(key('deployments'));
    }
  }

  private enqueue(key: string): void {
    if (this.stopping) return;
    this.queue.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    // Reconcile outside the API write that triggered the event, like a real controller on its own goroutine.
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const keys = [...this.queue];
    this.queue.clear();
    for (const key of keys) {
      const [kind, namespace, name] = key.split('/') as [string, string, string];
      try {
        if (kind === 'pods') this.reconcilePod(namespace, name);
        else if (kind === 'jobs') this.reconcileJob(namespace, name);
        else if (kind === 'deployments') this.reconcileDeployment(namespace, name);
      } catch (error) {
        // A conflict or NotFound means the object moved on; the event that moved it re-queues the key.
        if (!(error instanceof KubeApiError)) throw error;
        if (error.code === 'Conflict') this.enqueue(key);
      }
    }
  }

  private writeStatus(type: ResourceType, object: KubeObject, status: Status): void {
    if (JSON.stringify({ ...(object.status as Status | undefined), ...status }) === JSON.stringify(object.status ?? {})) return;
    try {
      this.api.patch(
        type,
        object.metadata.namespace,
        object.metadata.name!,
        'status',
        'merge',
        { status },
        { fieldManager: type === this.podType ? 'kubelet' : `${type.singular}-controller` },
      );
    } catch (error) {
      if (!(error instanceof KubeApiError && error.code === 'NotFound')) throw error;
    }
  }

  // ---- pods

  private reconcilePod(namespace: string, name: string): void {
    const pod = this.api.find(this.podType, namespace, name);
    if (!pod || pod.metadata.deletionTimestamp) return;
    const phase = (pod.status as Status | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (this.pods.has(pod.metadata.uid!)) return;
    const running: RunningPod = { uid: pod.metadata.uid!, namespace, name, restartCount: 0, killed: false, log: '', ip: this.allocateIP() };
    this.pods.set(running.uid, running);
    this.launch(running);
  }

  /**
   * A free loopback address for a new pod: 127.0.0.2 upwards (Linux routes all of 127/8 to lo), skipping
   * 127.0.0.1 (the host's own services) and 127.0.1.1 (Debian's hostname entry).
   */
  private allocateIP(): string {
    const used = new Set([...this.pods.values()].map((p) => p.ip));
    for (let n = 2; n < 65_534; n += 1) {
      const ip = `127.0.${Math.floor(n / 256)}.${n % 256}`;
      if (n % 256 === 0 || n % 256 === 255 || ip === '127.0.1.1' || used.has(ip)) continue;
      return ip;
    }
    throw new Error('kube-emulator kubelet: no pod IPs left in 127.0.0.0/16');
  }

  private containerOf(pod: KubeObject): ContainerSpec | undefined {
    return ((pod.spec as { containers?: ContainerSpec[] } | undefined)?.containers ?? [])[0];
  }

  /** A ConfigMap's data, or a Secret's decoded data; undefined when the object doesn't exist. */
  private dataOf(plural: 'configmaps' | 'secrets', namespace: string | undefined, name: string): Record<string, string> | undefined {
    const o = this.api.find(this.api.registry.find('', 'v1', plural)!, namespace, name);
    if (!o) return undefined;
    if (plural === 'configmaps') return (o.data as Record<string, string> | undefined) ?? {};
    const data = (o.data as Record<string, string> | undefined) ?? {};
    return {
      ...Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
      ...(o.stringData as Record<string, string> | undefined),
    };
  }

  /** The value of a downward-API field path of a pod. */
  private fieldOf(pod: KubeObject, path: string): string {
    const ip = this.pods.get(pod.metadata.uid!)?.ip ?? '127.0.0.1';
    const labels = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
    if (labels) return (pod.metadata[labels[1] as 'labels'] as Record<string, string> | undefined)?.[labels[2]!] ?? '';
    const known: Record<string, string | undefined> = {
      'metadata.name': pod.metadata.name,
      'metadata.namespace': pod.metadata.namespace,
      'metadata.uid': pod.metadata.uid,
      'spec.nodeName': this.options.nodeName ?? 'kube-emulator',
      'spec.serviceAccountName': (pod.spec as Status | undefined)?.serviceAccountName as string | undefined,
      'status.podIP': ip,
      'status.podIPs': ip,
      'status.hostIP': '127.0.0.1',
    };
    return known[path] ?? '';
  }

  private mount(running: RunningPod, pod: KubeObject, container: ContainerSpec): MountedVolumes {
    const namespace = pod.metadata.namespace;
    return mountVolumes(
      pod,
      container.volumeMounts ?? [],
      {
        configMap: (name) => this.dataOf('configmaps', namespace, name),
        secret: (name) => this.dataOf('secrets', namespace, name),
        serviceAccountToken: (p, audience, expirationSeconds) =>
          this.tokens.issue({
            namespace: p.metadata.namespace!,
            serviceAccount: ((p.spec as Status | undefined)?.serviceAccountName as string | undefined) ?? 'default',
            podName: p.metadata.name!,
            podUid: p.metadata.uid!,
            ...(audience ? { audiences: [audience] } : {}),
            expirationSeconds,
          }),
        field: (p, path) => this.fieldOf(p, path),
      },
      join(this.podRoot, `${namespace}_${pod.metadata.name}_${running.uid}`),
    );
  }

  /**
   * The Docker-link-style variables the kubelet gives every container for each Service of its namespace that
   * exists when it starts (`<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT`, `<NAME>_SERVICE_PORT_<PORT>`, `<NAME>_PORT…`).
   */
  private serviceEnv(namespace: string | undefined): Record<string, string> {
    const env: Record<string, string> = {};
    for (const service of this.api.list(this.api.registry.find('', 'v1', 'services')!, namespace).items) {
      const spec = (service.spec ?? {}) as { clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] };
      if (!spec.clusterIP || spec.clusterIP === 'None' || !spec.ports?.length) continue;
      const name = service.metadata.name!.toUpperCase().replace(/-/g, '_');
      const [first] = spec.ports;
      env[`${name}_SERVICE_HOST`] = spec.clusterIP;
      env[`${name}_SERVICE_PORT`] = String(first!.port);
      env[`${name}_PORT`] = `${(first!.protocol ?? 'TCP').toLowerCase()}://${spec.clusterIP}:${first!.port}`;
      for (const port of spec.ports) {
        const protocol = port.protocol ?? 'TCP';
        if (port.name) env[`${name}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`] = String(port.port);
        const prefix = `${name}_PORT_${port.port}_${protocol}`;
        env[prefix] = `${protocol.toLowerCase()}://${spec.clusterIP}:${port.port}`;
        env[`${prefix}_PROTO`] = protocol.toLowerCase();
        env[`${prefix}_PORT`] = String(port.port);
        env[`${prefix}_ADDR`] = spec.clusterIP;
      }
    }
    return env;
  }

  /**
   * A pod's service-account credentials, when its token is automounted (the pod's or its ServiceAccount's
   * `automountServiceAccountToken`, default true) and the kubelet knows the API server: the token (and the
   * namespace file) as a real pod has them, plus a kubeconfig that points client libraries at the emulator,
   * which serves plain HTTP where in-cluster configuration would expect HTTPS on KUBERNETES_SERVICE_HOST.
   */
  private serviceAccountKubeconfig(pod: KubeObject): string | undefined {
    if (!this.options.apiServerUrl) return undefined;
    const spec = (pod.spec ?? {}) as { serviceAccountName?: string; automountServiceAccountToken?: boolean };
    const account = spec.serviceAccountName || 'default';
    const accountObject = this.api.find(this.api.registry.find('', 'v1', 'serviceaccounts')!, pod.metadata.namespace, account);
    const automount =
      spec.automountServiceAccountToken ??
      (accountObject as { automountServiceAccountToken?: boolean } | undefined)?.automountServiceAccountToken ??
      true;
    if (!automount) return undefined;
    const running = this.pods.get(pod.metadata.uid!);
    if (!running) return undefined;
    const dir = join(this.podRoot, `${pod.metadata.namespace}_${pod.metadata.name}_${running.uid}`, 'serviceaccount');
    mkdirSync(dir, { recursive: true });
    const token = this.tokens.issue({
      namespace: pod.metadata.namespace!,
      serviceAccount: account,
      podName: pod.metadata.name!,
      podUid: pod.metadata.uid!,
      // Real kubelets refresh a projected token before it expires; this one is written once, so it lasts a day.
      expirationSeconds: 86_400,
    });
    writeFileSync(join(dir, 'token'), token, { mode: 0o600 });
    writeFileSync(join(dir, 'namespace'), pod.metadata.namespace!);
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: in-cluster\n  cluster:\n    server: ${this.options.apiServerUrl}\n    insecure-skip-tls-verify: true`,
      'users:',
      `- name: ${account}\n  user:\n    token: ${token}`,
      'contexts:',
      `- name: in-cluster\n  context:\n    cluster: in-cluster\n    user: ${account}\n    namespace: ${pod.metadata.namespace}`,
      'current-context: in-cluster',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'kubeconfig'), kubeconfig, { mode: 0o600 });
    return join(dir, 'kubeconfig');
  }

  /** The process environment: inherited, then the kubelet's, then the container's (mount paths rewritten). */
  private resolveEnv(pod: KubeObject, container: ContainerSpec, rewrite: (text: string) => string): Record<string, string> {
    const inherited = this.options.inheritEnv === false ? {} : { ...(process.env as Record<string, string>) };
    delete inherited.KUBECONFIG; // pods get no cluster credentials, like real pods without a service-account mount
    const env: Record<string, string> = { ...inherited, ...this.options.env };
    env.HOSTNAME = pod.metadata.name!;
    Object.assign(env, this.serviceEnv(pod.metadata.namespace));
    const kubeconfig = this.serviceAccountKubeconfig(pod);
    if (kubeconfig) env.KUBECONFIG = kubeconfig;
    const lookup = (plural: 'configmaps' | 'secrets', name: string): Record<string, string> =>
      this.dataOf(plural, pod.metadata.namespace, name) ?? {};
    for (const source of container.envFrom ?? []) {
      const values = source.configMapRef
        ? lookup('configmaps', source.configMapRef.name)
        : source.secretRef
          ? lookup('secrets', source.secretRef.name)
          : {};
      for (const [k, v] of Object.entries(values)) env[`${source.prefix ?? ''}${k}`] = v;
    }
    const fieldRef = (path: string): string => this.fieldOf(pod, path);
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = rewrite(e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m));
      else if (e.valueFrom?.fieldRef?.fieldPath) env[e.name] = fieldRef(e.valueFrom.fieldRef.fieldPath);
      else if (e.valueFrom?.configMapKeyRef)
        env[e.name] = lookup('configmaps', e.valueFrom.configMapKeyRef.name!)[e.valueFrom.configMapKeyRef.key!] ?? '';
      else if (e.valueFrom?.secretKeyRef)
        env[e.name] = lookup('secrets', e.valueFrom.secretKeyRef.name!)[e.valueFrom.secretKeyRef.key!] ?? '';
      else env[e.name] = '';
    }
    return env;
  }

  private launch(running: RunningPod): void {
    const pod = this.api.find(this.podType, running.namespace, running.name);
    if (!pod || pod.metadata.uid !== running.uid || running.killed || this.stopping) return;
    const container = this.containerOf(pod);
    const now = rfc3339(Date.now());
    const base = {
      hostIP: '127.0.0.1',
      podIP: running.ip,
      podIPs: [{ ip: running.ip }],
      startTime: (pod.status as Status | undefined)?.startTime ?? now,
      qosClass: 'BestEffort',
    };
    const entry = container?.command?.length
      ? { command: container.command, args: container.args ?? [] }
      : container?.image
        ? this.options.imageCommand?.(container.image, container)
        : undefined;
    if (!container || !entry || entry.command.length === 0) {
      this.writeStatus(this.podType, pod, {
        ...base,
        ...scheduledOnly(now),
        containerStatuses: container
          ? [
              idleContainerStatus(container, 0, {
                waiting: {
                  reason: 'NoCommand',
                  message: `image "${container.image ?? ''}" has no command in the pod spec and no imageCommand mapping in the kube-emulator kubelet`,
                },
              }),
            ]
          : [],
      });
      return;
    }
    try {
      // Volumes are set up once per pod and outlive container restarts, as emptyDirs do.
      running.volumes ??= this.mount(running, pod, container);
    } catch (error) {
      if (!(error instanceof VolumeNotReady)) throw error;
      this.writeStatus(this.podType, pod, {
        ...base,
        ...scheduledOnly(now),
        containerStatuses: [
          idleContainerStatus(container, running.restartCount, {
            waiting: { reason: 'ContainerCreating', message: `MountVolume.SetUp failed: ${error.message}` },
          }),
        ],
      });
      running.restartTimer = this.later(this.options.restartDelayMs ?? 1000, () => this.launch(running));
      return;
    }
    // Pods share the host's network: "all interfaces" in a command means the pod's own address, so two pods can
    // serve one port, as they could on their own IPs in a real cluster.
    const rewrite = (text: string) =>
      running.volumes!.rewrite(text).replace(/(^|[=:,\s])0\.0\.0\.0(?=$|[:/,\s])/g, (_match, lead: string) => `${lead}${running.ip}`);
    const command = entry.command.map(rewrite);
    const args = [...command.slice(1), ...(container.args ?? entry.args ?? []).map(rewrite)];
    const env = this.resolveEnv(pod, container, rewrite);
    const child = spawn(command[0]!, args, {
      cwd: container.workingDir ? rewrite(container.workingDir) : (this.options.workdir ?? process.cwd()),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so a kill reaches shells' children too
    });
    running.process = child;
    const limit = this.options.logLimitBytes ?? 1024 * 1024;
    const append = (chunk: Buffer) => {
      running.log += chunk.toString('utf8');
      if (running.log.length > limit) running.log = running.log.slice(running.log.length - limit);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    const containerStatus = (state: Status, ready: boolean) => [
      {
        name: container.name,
        image: container.image ?? '',
        imageID: '',
        containerID: `emulator://${child.pid ?? 0}`,
        ready,
        started: ready,
        restartCount: running.restartCount,
        state,
      },
    ];
    // Ready follows the readiness probe (and waits for the startup probe); without probes, a running process is ready.
    const writeRunning = (ready: boolean, message?: string) => {
      const current = this.api.find(this.podType, running.namespace, running.name);
      if (!current || current.metadata.uid !== running.uid || running.process !== child) return;
      const t = rfc3339(Date.now());
      const previous =
        ((current.status as Status | undefined)?.conditions as
          { type: string; status: string; lastTransitionTime: string }[] | undefined) ?? [];
      const since = (type: string, status: string) => {
        const before = previous.find((c) => c.type === type);
        return before?.status === status ? before.lastTransitionTime : t;
      };
      const value = ready ? 'True' : 'False';
      this.writeStatus(this.podType, current, {
        ...base,
        phase: 'Running',
        conditions: [
          { type: 'PodScheduled', status: 'True', lastTransitionTime: since('PodScheduled', 'True') },
          { type: 'Initialized', status: 'True', lastTransitionTime: since('Initialized', 'True') },
          {
            type: 'ContainersReady',
            status: value,
            ...(ready ? {} : { reason: 'ContainersNotReady', message: message ?? '' }),
            lastTransitionTime: since('ContainersReady', value),
          },
          {
            type: 'Ready',
            status: value,
            ...(ready ? {} : { reason: 'ContainersNotReady', message: message ?? '' }),
            lastTransitionTime: since('Ready', value),
          },
        ],
        containerStatuses: containerStatus({ running: { startedAt: running.startedAt } }, ready),
      });
    };
    child.once('spawn', () => {
      running.startedAt = rfc3339(Date.now());
      const probed = Boolean(container.readinessProbe || container.startupProbe);
      writeRunning(!probed, probed ? 'containers with unready status: [' + container.name + ']' : undefined);
      running.probes = new ContainerProbes(
        container,
        {
          host: running.ip,
          ports: Object.fromEntries((container.ports ?? []).filter((p) => p.name).map((p) => [p.name!, p.containerPort])),
          env,
          cwd: container.workingDir ? rewrite(container.workingDir) : (this.options.workdir ?? process.cwd()),
        },
        {
          onReadiness: (ready, message) => writeRunning(ready, message),
          onUnhealthy: (message) => {
            // The kubelet kills a container that fails its liveness (or startup) probe; the restart policy decides what follows.
            running.log += `kube-emulator kubelet: ${message}, restarting the container\n`;
            void this.terminate(child);
          },
        },
      );
      running.probes.start();
    });
    child.once('error', (error) => {
      if (running.process !== child) return;
      running.process = undefined;
      running.probes?.stop();
      append(Buffer.from(`kube-emulator kubelet: failed to start ${entry.command[0]}: ${error.message}\n`));
      this.finish(running, pod, container, 128, 'StartError', error.message);
    });
    child.once('exit', (code, signal) => {
      if (running.process !== child) return;
      running.process = undefined;
      running.probes?.stop();
      const exitCode = code ?? (signal ? 128 + ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[signal]! : 1);
      this.finish(running, pod, container, exitCode, exitCode === 0 ? 'Completed' : 'Error');
    });
  }

  private finish(running: RunningPod, pod: KubeObject, container: ContainerSpec, exitCode: number, reason: string, message?: string): void {
    if (running.killed || this.stopping) return;
    const current = this.api.find(this.podType, running.namespace, running.name);
    if (!current || current.metadata.uid !== running.uid) return;
    const now = rfc3339(Date.now());
    const restartPolicy = ((pod.spec as Status | undefined)?.restartPolicy as string | undefined) ?? 'Always';
    // The real kubelet's fallback: the last 80 lines or 2048 bytes of the log, whichever is less.
    const fallback =
      !message && exitCode !== 0 && container.terminationMessagePolicy === 'FallbackToLogsOnError'
        ? running.log.split('\n').slice(-81).join('\n').slice(-2048).trim()
        : undefined;
    const terminationMessage = message ?? fallback;
    const terminated = {
      exitCode,
      reason,
      ...(terminationMessage ? { message: terminationMessage } : {}),
      startedAt: running.startedAt ?? now,
      finishedAt: now,
    };
    const restart = restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && exitCode !== 0);
    const status = (phase: string, state: Status) => ({
      phase,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        {
          type: 'ContainersReady',
          status: 'False',
          reason: phase === 'Running' ? 'ContainersNotReady' : 'PodCompleted',
          lastTransitionTime: now,
        },
        { type: 'Ready', status: 'False', reason: phase === 'Running' ? 'ContainersNotReady' : 'PodCompleted', lastTransitionTime: now },
      ],
      containerStatuses: [{ ...idleContainerStatus(container, running.restartCount, state), lastState: {} }],
    });
    if (restart) {
      running.restartCount += 1;
      this.writeStatus(
        this.podType,
        current,
        status('Running', {
          waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container (exit code ${exitCode})` },
        }),
      );
      running.restartTimer = this.later(this.options.restartDelayMs ?? 1000, () => this.launch(running));
      return;
    }
    this.writeStatus(this.podType, current, status(exitCode === 0 ? 'Succeeded' : 'Failed', { terminated }));
  }

  private kill(running: RunningPod): Promise<void> {
    running.killed = true;
    running.probes?.stop();
    if (running.restartTimer) clearTimeout(running.restartTimer);
    return running.process ? this.terminate(running.process) : Promise.resolve();
  }

  /** SIGTERM to the process group, SIGKILL after the grace period; resolves when the process is gone. */
  private terminate(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const pid = child.pid!;
      const signal = (sig: NodeJS.Signals) => {
        try {
          process.kill(-pid, sig);
        } catch {
          try {
            child.kill(sig);
          } catch {
            // already gone
          }
        }
      };
      const hard = setTimeout(() => signal('SIGKILL'), this.options.killGraceMs ?? 2000);
      child.once('exit', () => {
        clearTimeout(hard);
        resolve();
      });
      signal('SIGTERM');
    });
  }

  // ---- controllers

  private ownedPods(owner: KubeObject): KubeObject[] {
    return this.api.list(this.podType, owner.metadata.namespace).items.filter((p) => ownedBy(p, owner.metadata.uid!));
  }

  private podFor(
    owner: KubeObject,
    kind: string,
    apiVersion: string,
    name: string,
    template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown },
    labels: Record<string, string>,
  ): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: owner.metadata.namespace,
        labels: { ...template.metadata?.labels, ...labels },
        ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
        ownerReferences: [
          { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: { ...(template.spec as object), nodeName: this.options.nodeName ?? 'kube-emulator' },
    };
  }

  private reconcileJob(namespace: string, name: string): void {
    const job = this.api.find(this.jobType, namespace, name);
    if (!job || job.metadata.deletionTimestamp) return;
    const spec = (job.spec ?? {}) as {
      parallelism?: number;
      completions?: number;
      backoffLimit?: number;
      suspend?: boolean;
      activeDeadlineSeconds?: number;
      ttlSecondsAfterFinished?: number;
      template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown };
    };
    const status = (job.status ?? {}) as Status;
    const key = `jobs/${namespace}/${name}`;
    const nowMs = Date.now();
    const now = rfc3339(nowMs);
    if (isTrue(status.conditions, 'Complete') || isTrue(status.conditions, 'Failed')) {
      this.collectFinishedJob(job, spec.ttlSecondsAfterFinished, nowMs);
      return;
    }
    const completions = spec.completions ?? 1;
    const parallelism = spec.parallelism ?? 1;
    const backoffLimit = spec.backoffLimit ?? 6;
    const pods = this.ownedPods(job);
    const phaseOf = (p: KubeObject) => (p.status as Status | undefined)?.phase;
    const succeeded = pods.filter((p) => phaseOf(p) === 'Succeeded').length;
    const failed = pods.filter((p) => phaseOf(p) === 'Failed').length;
    const active = pods.filter((p) => phaseOf(p) !== 'Succeeded' && phaseOf(p) !== 'Failed' && !p.metadata.deletionTimestamp);
    const ready = active.filter((p) => isTrue((p.status as Status | undefined)?.conditions, 'Ready')).length;
    const previousConditions = (status.conditions as { type: string; status: string; lastTransitionTime?: string }[] | undefined) ?? [];
    const wasSuspended = previousConditions.some((c) => c.type === 'Suspended' && c.status === 'True');
    const condition = (type: string, value: string, reason: string, message: string) => {
      const before = previousConditions.find((c) => c.type === type);
      const since = before?.status === value ? (before.lastTransitionTime ?? now) : now;
      return { type, status: value, reason, message, lastProbeTime: since, lastTransitionTime: since };
    };
    // Conditions of other types stay (a resumed Job keeps Suspended=False next to Complete), as in the real controller.
    const withConditions = (updates: Status[]) => [
      ...previousConditions.filter((c) => !updates.some((u) => u.type === c.type)),
      ...updates,
    ];
    const removeActive = () => {
      for (const p of active) this.api.delete(this.podType, namespace, p.metadata.name!, {}, { fieldManager: 'job-controller' });
    };
    // A suspended Job has no start time; resuming starts the clock (and activeDeadlineSeconds) again, as in the real controller.
    const startTime = spec.suspend ? null : wasSuspended || status.startTime === undefined ? now : (status.startTime as string);
    const next: Status = { startTime, active: active.length, succeeded, failed, ready, terminating: 0, uncountedTerminatedPods: {} };
    const deadlineMs =
      spec.activeDeadlineSeconds !== undefined && startTime ? Date.parse(startTime) + spec.activeDeadlineSeconds * 1000 : undefined;
    const fail = (reason: string, message: string) => {
      removeActive();
      next.active = 0;
      next.conditions = withConditions([condition('FailureTarget', 'True', reason, message), condition('Failed', 'True', reason, message)]);
    };
    if (failed > backoffLimit) {
      fail('BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    } else if (succeeded >= completions) {
      next.completionTime = now;
      next.conditions = withConditions([
        condition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'),
        condition('Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'),
      ]);
    } else if (deadlineMs !== undefined && nowMs >= deadlineMs) {
      fail('DeadlineExceeded', 'Job was active longer than specified deadline');
    } else if (spec.suspend) {
      removeActive();
      next.active = 0;
      next.ready = 0;
      next.conditions = withConditions([condition('Suspended', 'True', 'JobSuspended', 'Job suspended')]);
    } else {
      if (wasSuspended) next.conditions = withConditions([condition('Suspended', 'False', 'JobResumed', 'Job resumed')]);
      const want = Math.min(parallelism, completions - succeeded) - active.length;
      const jobLabels = {
        'batch.kubernetes.io/controller-uid': job.metadata.uid!,
        'batch.kubernetes.io/job-name': name,
        'controller-uid': job.metadata.uid!,
        'job-name': name,
      };
      for (let i = 0; i < want; i += 1) {
        this.api.create(
          this.podType,
          namespace,
          this.podFor(job, 'Job', 'batch/v1', `${name}-${randomSuffix()}`, spec.template ?? {}, jobLabels),
          { fieldManager: 'job-controller' },
        );
        next.active = (next.active as number) + 1;
      }
      if (deadlineMs !== undefined) this.later(deadlineMs - nowMs + 5, () => this.enqueue(key));
    }
    const changed = Object.entries(next).some(
      ([k, v]) => v !== undefined && JSON.stringify(status[k] ?? null) !== JSON.stringify(v ?? null),
    );
    if (changed) this.writeStatus(this.jobType, job, next);
  }

  /** ttlSecondsAfterFinished: deletes a finished Job (and, in the background, its pods) once its time is up. */
  private collectFinishedJob(job: KubeObject, ttlSeconds: number | undefined, nowMs: number): void {
    if (ttlSeconds === undefined) return;
    const status = (job.status ?? {}) as Status;
    const finished = (status.conditions as { type: string; status: string; lastTransitionTime?: string }[]).find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    const finishedAt = Date.parse(String(status.completionTime ?? finished?.lastTransitionTime ?? ''));
    const dueMs = (Number.isNaN(finishedAt) ? nowMs : finishedAt) + ttlSeconds * 1000;
    if (nowMs < dueMs) {
      this.later(dueMs - nowMs + 5, () => this.enqueue(`jobs/${job.metadata.namespace}/${job.metadata.name}`));
      return;
    }
    this.api.delete(
      this.jobType,
      job.metadata.namespace,
      job.metadata.name!,
      { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid! } },
      { fieldManager: 'ttl-after-finished-controller' },
    );
  }

  private reconcileDeployment(namespace: string, name: string): void {
    const deployment = this.api.find(this.deploymentType, namespace, name);
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const spec = (deployment.spec ?? {}) as {
      replicas?: number;
      paused?: boolean;
      template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown };
    };
    const replicas = spec.replicas ?? 1;
    const hash = createHash('sha256')
      .update(JSON.stringify(spec.template ?? {}))
      .digest('hex')
      .slice(0, 10);
    const pods = this.ownedPods(deployment).filter((p) => !p.metadata.deletionTimestamp);
    const current = pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash);
    for (const p of pods)
      if (!current.includes(p)) this.api.delete(this.podType, namespace, p.metadata.name!, {}, { fieldManager: 'deployment-controller' });
    // Scale down newest first, the ReplicaSet controller's preference for the youngest pods.
    const byAge = [...current].sort(
      (a, b) =>
        String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)) ||
        Number(b.metadata.resourceVersion) - Number(a.metadata.resourceVersion),
    );
    const excess = byAge.slice(0, Math.max(0, current.length - replicas));
    for (const p of excess) this.api.delete(this.podType, namespace, p.metadata.name!, {}, { fieldManager: 'deployment-controller' });
    const kept = current.filter((p) => !excess.includes(p));
    for (let i = kept.length; i < replicas; i += 1) {
      const pod = this.api.create(
        this.podType,
        namespace,
        this.podFor(deployment, 'Deployment', 'apps/v1', `${name}-${hash}-${randomSuffix()}`, spec.template ?? {}, {
          'pod-template-hash': hash,
        }),
        { fieldManager: 'deployment-controller' },
      );
      kept.push(pod);
    }
    const ready = kept.filter((p) => isTrue((p.status as Status | undefined)?.conditions, 'Ready')).length;
    const previous = (deployment.status ?? {}) as Status;
    const prevConditions = (previous.conditions as { type: string; status: string; lastTransitionTime: string }[] | undefined) ?? [];
    const now = rfc3339(Date.now());
    const condition = (type: string, status: string, reason: string, message: string) => {
      const before = prevConditions.find((c) => c.type === type);
      const since = before?.status === status ? before.lastTransitionTime : now;
      return { type, status, reason, message, lastUpdateTime: since, lastTransitionTime: since };
    };
    const available = ready >= replicas;
    this.writeStatus(this.deploymentType, deployment, {
      observedGeneration: deployment.metadata.generation,
      replicas: kept.length,
      updatedReplicas: kept.length,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(kept.length - ready > 0 ? { unavailableReplicas: kept.length - ready } : { unavailableReplicas: null }),
      conditions: [
        condition(
          'Available',
          available ? 'True' : 'False',
          available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
        ),
        condition('Progressing', 'True', 'NewReplicaSetAvailable', `Pods with template hash "${hash}" have been progressed.`),
      ],
    });
  }
}
