import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { KubeApiError } from './errors.js';
import type { KubeApi } from './kube-api.js';
import { randomSuffix, rfc3339 } from './object-metadata.js';
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
}

type Status = Record<string, unknown>;
const isTrue = (conditions: unknown, type: string) =>
  Array.isArray(conditions) && conditions.some((c: { type?: string; status?: string }) => c.type === type && c.status === 'True');

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

  constructor(
    private readonly api: KubeApi,
    private readonly options: KubeletOptions = {},
  ) {
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
    await Promise.all([...this.pods.values()].map((p) => this.kill(p)));
    this.pods.clear();
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
        if (running) void this.kill(running).then(() => this.pods.delete(o.metadata.uid!));
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
    const running: RunningPod = { uid: pod.metadata.uid!, namespace, name, restartCount: 0, killed: false, log: '' };
    this.pods.set(running.uid, running);
    this.launch(running);
  }

  private containerOf(pod: KubeObject): ContainerSpec | undefined {
    return ((pod.spec as { containers?: ContainerSpec[] } | undefined)?.containers ?? [])[0];
  }

  private resolveEnv(pod: KubeObject, container: ContainerSpec): Record<string, string> {
    const inherited = this.options.inheritEnv === false ? {} : { ...(process.env as Record<string, string>) };
    delete inherited.KUBECONFIG; // pods get no cluster credentials, like real pods without a service-account mount
    const env: Record<string, string> = { ...inherited, ...this.options.env };
    env.HOSTNAME = pod.metadata.name!;
    const lookup = (plural: 'configmaps' | 'secrets', name: string): Record<string, string> => {
      const o = this.api.find(this.api.registry.find('', 'v1', plural)!, pod.metadata.namespace, name);
      if (!o) return {};
      if (plural === 'configmaps') return (o.data as Record<string, string> | undefined) ?? {};
      const data = (o.data as Record<string, string> | undefined) ?? {};
      return {
        ...Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
        ...(o.stringData as Record<string, string> | undefined),
      };
    };
    for (const source of container.envFrom ?? []) {
      const values = source.configMapRef
        ? lookup('configmaps', source.configMapRef.name)
        : source.secretRef
          ? lookup('secrets', source.secretRef.name)
          : {};
      for (const [k, v] of Object.entries(values)) env[`${source.prefix ?? ''}${k}`] = v;
    }
    const fieldRef = (path: string): string => {
      const labels = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
      if (labels) return (pod.metadata[labels[1] as 'labels'] as Record<string, string> | undefined)?.[labels[2]!] ?? '';
      const known: Record<string, string | undefined> = {
        'metadata.name': pod.metadata.name,
        'metadata.namespace': pod.metadata.namespace,
        'metadata.uid': pod.metadata.uid,
        'spec.nodeName': this.options.nodeName ?? 'kube-emulator',
        'spec.serviceAccountName': (pod.spec as Status | undefined)?.serviceAccountName as string | undefined,
        'status.podIP': '127.0.0.1',
        'status.hostIP': '127.0.0.1',
      };
      return known[path] ?? '';
    };
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m);
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
      podIP: '127.0.0.1',
      podIPs: [{ ip: '127.0.0.1' }],
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
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }],
        containerStatuses: container
          ? [
              {
                name: container.name,
                image: container.image ?? '',
                ready: false,
                started: false,
                restartCount: 0,
                state: {
                  waiting: {
                    reason: 'NoCommand',
                    message: `image "${container.image ?? ''}" has no command in the pod spec and no imageCommand mapping in the kube-emulator kubelet`,
                  },
                },
              },
            ]
          : [],
      });
      return;
    }
    const args = [...entry.command.slice(1), ...(container.args ?? entry.args ?? [])];
    const child = spawn(entry.command[0]!, args, {
      cwd: container.workingDir ?? this.options.workdir ?? process.cwd(),
      env: this.resolveEnv(pod, container),
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
    child.once('spawn', () => {
      running.startedAt = rfc3339(Date.now());
      const current = this.api.find(this.podType, running.namespace, running.name);
      if (!current || current.metadata.uid !== running.uid) return;
      const t = running.startedAt;
      this.writeStatus(this.podType, current, {
        ...base,
        phase: 'Running',
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
          type,
          status: 'True',
          lastTransitionTime: t,
        })),
        containerStatuses: containerStatus({ running: { startedAt: t } }, true),
      });
    });
    child.once('error', (error) => {
      if (running.process !== child) return;
      running.process = undefined;
      append(Buffer.from(`kube-emulator kubelet: failed to start ${entry.command[0]}: ${error.message}\n`));
      this.finish(running, pod, container, 128, 'StartError', error.message);
    });
    child.once('exit', (code, signal) => {
      if (running.process !== child) return;
      running.process = undefined;
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
    const terminated = { exitCode, reason, ...(message ? { message } : {}), startedAt: running.startedAt ?? now, finishedAt: now };
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
      containerStatuses: [
        {
          name: container.name,
          image: container.image ?? '',
          ready: false,
          started: false,
          restartCount: running.restartCount,
          state,
          lastState: {},
        },
      ],
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
      running.restartTimer = setTimeout(() => this.launch(running), this.options.restartDelayMs ?? 1000);
      return;
    }
    this.writeStatus(this.podType, current, status(exitCode === 0 ? 'Succeeded' : 'Failed', { terminated }));
  }

  private kill(running: RunningPod): Promise<void> {
    running.killed = true;
    if (running.restartTimer) clearTimeout(running.restartTimer);
    const child = running.process;
    if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
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
      template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown };
    };
    const status = (job.status ?? {}) as Status;
    if (isTrue(status.conditions, 'Complete') || isTrue(status.conditions, 'Failed')) return;
    const completions = spec.completions ?? 1;
    const parallelism = spec.parallelism ?? 1;
    const backoffLimit = spec.backoffLimit ?? 6;
    const pods = this.ownedPods(job);
    const phaseOf = (p: KubeObject) => (p.status as Status | undefined)?.phase;
    const succeeded = pods.filter((p) => phaseOf(p) === 'Succeeded').length;
    const failed = pods.filter((p) => phaseOf(p) === 'Failed').length;
    const active = pods.filter((p) => phaseOf(p) !== 'Succeeded' && phaseOf(p) !== 'Failed' && !p.metadata.deletionTimestamp);
    const ready = active.filter((p) => isTrue((p.status as Status | undefined)?.conditions, 'Ready')).length;
    const now = rfc3339(Date.now());
    const next: Status = {
      startTime: status.startTime ?? now,
      active: active.length,
      succeeded,
      failed,
      ready,
      terminating: 0,
      uncountedTerminatedPods: {},
    };
    if (failed > backoffLimit) {
      for (const p of active) this.api.delete(this.podType, namespace, p.metadata.name!, {}, { fieldManager: 'job-controller' });
      next.active = 0;
      next.conditions = [
        {
          type: 'FailureTarget',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
      ];
    } else if (succeeded >= completions) {
      next.completionTime = now;
      next.conditions = [
        {
          type: 'SuccessCriteriaMet',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
        {
          type: 'Complete',
          status: 'True',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods',
          lastProbeTime: now,
          lastTransitionTime: now,
        },
      ];
    } else if (!spec.suspend) {
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
    }
    const { startTime: _s, ...compare } = next;
    const changed =
      Object.entries(compare).some(([k, v]) => JSON.stringify(status[k]) !== JSON.stringify(v)) || status.startTime === undefined;
    if (changed) this.writeStatus(this.jobType, job, next);
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
