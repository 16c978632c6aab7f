import { connect, createServer, type Server, type Socket } from 'node:net';
import type { KubeApi } from './kube-api.js';
import type { KubeObject, ResourceType } from './types.js';

interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
}

interface Listener {
  readonly server: Server;
  readonly key: string;
  /** Next endpoint to use (round robin). */
  next: number;
}

const isReady = (pod: KubeObject): boolean => {
  const status = (pod.status ?? {}) as { phase?: string; conditions?: { type: string; status: string }[] };
  return status.phase === 'Running' && (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
};

/**
 * kube-proxy for the kubelet simulator: each TCP port of each Service with a cluster IP (127.1.x.y, see
 * KubeApi) gets a listener on `clusterIP:port` that forwards every connection to a Ready pod matching the
 * Service's selector, at the pod's IP and the target port (a number, or a container port's name), round robin.
 * Without a Ready endpoint the connection is closed at once. Ports below 1024 need root (or
 * CAP_NET_BIND_SERVICE); a port that can't be bound is reported in `failures` and left out.
 */
export class ServiceProxy {
  private readonly listeners = new Map<string, Listener>();
  /** `namespace/service:port` → why it isn't served. */
  readonly failures = new Map<string, string>();
  private unsubscribe: (() => void) | undefined;
  private readonly serviceType: ResourceType;
  private readonly podType: ResourceType;
  private scheduled = false;

  constructor(private readonly api: KubeApi) {
    this.serviceType = api.registry.find('', 'v1', 'services')!;
    this.podType = api.registry.find('', 'v1', 'pods')!;
  }

  start(): void {
    this.unsubscribe = this.api.store.subscribe((event) => {
      if (event.groupResource === 'services') this.schedule();
    });
    this.sync();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([...this.listeners.values()].map((l) => new Promise<void>((resolve) => l.server.close(() => resolve()))));
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sync();
    });
  }

  /** Opens a listener per service port that has none, and closes those whose service or port is gone. */
  private sync(): void {
    const wanted = new Map<string, { service: KubeObject; port: ServicePort; ip: string }>();
    for (const service of this.api.list(this.serviceType, undefined).items) {
      const spec = (service.spec ?? {}) as { clusterIP?: string; ports?: ServicePort[] };
      if (!spec.clusterIP || spec.clusterIP === 'None') continue;
      for (const port of spec.ports ?? []) {
        if ((port.protocol ?? 'TCP') !== 'TCP') continue;
        wanted.set(`${service.metadata.namespace}/${service.metadata.name}:${port.port}@${spec.clusterIP}`, {
          service,
          port,
          ip: spec.clusterIP,
        });
      }
    }
    for (const [key, listener] of this.listeners) {
      if (!wanted.has(key)) {
        listener.server.close();
        this.listeners.delete(key);
      }
    }
    for (const [key, { service, port, ip }] of wanted) {
      if (this.listeners.has(key) || this.failures.has(key)) continue;
      const listener: Listener = { key, next: 0, server: createServer((socket) => this.forward(listener, service, port, socket)) };
      listener.server.once('error', (error) => {
        this.listeners.delete(key);
        this.failures.set(key, error.message);
      });
      listener.server.listen(port.port, ip);
      this.listeners.set(key, listener);
    }
  }

  private forward(listener: Listener, service: KubeObject, port: ServicePort, socket: Socket): void {
    const live = this.api.find(this.serviceType, service.metadata.namespace, service.metadata.name!) ?? service;
    const selector = ((live.spec as { selector?: Record<string, string> } | undefined)?.selector ?? {}) as Record<string, string>;
    const endpoints = Object.keys(selector).length
      ? this.api
          .list(this.podType, service.metadata.namespace)
          .items.filter((pod) => isReady(pod) && Object.entries(selector).every(([k, v]) => pod.metadata.labels?.[k] === v))
      : [];
    const targets = endpoints.flatMap((pod) => {
      const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
      const target = this.targetPort(pod, port);
      return ip && target ? [{ ip, port: target }] : [];
    });
    if (targets.length === 0) {
      socket.destroy();
      return;
    }
    const target = targets[listener.next++ % targets.length]!;
    const upstream = connect({ host: target.ip, port: target.port });
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.once('error', close);
    upstream.once('error', close);
    socket.once('close', close);
    upstream.once('close', close);
  }

  private targetPort(pod: KubeObject, port: ServicePort): number | undefined {
    const target = port.targetPort ?? port.port;
    if (typeof target === 'number') return target;
    if (/^\d+$/.test(target)) return Number(target);
    const containers =
      (pod.spec as { containers?: { ports?: { name?: string; containerPort: number }[] }[] } | undefined)?.containers ?? [];
    for (const container of containers) for (const p of container.ports ?? []) if (p.name === target) return p.containerPort;
    return undefined;
  }
}
