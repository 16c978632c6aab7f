import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';

/** A container probe (core/v1 Probe): one handler and its timing. */
export interface ProbeSpec {
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { port: number | string; host?: string };
  exec?: { command?: string[] };
  initialDelaySeconds?: number;
  /** @default 10 */
  periodSeconds?: number;
  /** @default 1 */
  timeoutSeconds?: number;
  /** @default 1 */
  successThreshold?: number;
  /** @default 3 */
  failureThreshold?: number;
}

/** Where a probe runs: the pod's address, its named ports, and (for exec) the container's environment. */
export interface ProbeContext {
  readonly host: string;
  readonly ports: Readonly<Record<string, number>>;
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
}

export interface ProbeResult {
  readonly ok: boolean;
  readonly message: string;
}

const portOf = (port: number | string, context: ProbeContext): number | undefined =>
  typeof port === 'number' ? port : /^\d+$/.test(port) ? Number(port) : context.ports[port];

/** Runs one probe once, as the kubelet does: HTTP 200–399, a TCP connect, or an exec that exits 0, within the timeout. */
export function runProbe(probe: ProbeSpec, context: ProbeContext): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const port = portOf(probe.httpGet.port, context);
    if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port name "${probe.httpGet.port}"` });
    const target = `http://${probe.httpGet.host ?? context.host}:${port}${probe.httpGet.path ?? '/'}`;
    return new Promise((resolve) => {
      const req = request(
        target,
        { timeout: timeoutMs, headers: Object.fromEntries((probe.httpGet!.httpHeaders ?? []).map((h) => [h.name, h.value])) },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          resolve({ ok: status >= 200 && status < 400, message: `HTTP probe failed with statuscode: ${status}` });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`Get "${target}": context deadline exceeded`)));
      req.on('error', (error) => resolve({ ok: false, message: `Get "${target}": ${error.message}` }));
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = portOf(probe.tcpSocket.port, context);
    if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port name "${probe.tcpSocket.port}"` });
    const host = probe.tcpSocket.host ?? context.host;
    return new Promise((resolve) => {
      const socket = connect({ host, port, timeout: timeoutMs });
      socket.once('connect', () => {
        socket.destroy();
        resolve({ ok: true, message: '' });
      });
      socket.once('timeout', () => socket.destroy(new Error('i/o timeout')));
      socket.once('error', (error) => resolve({ ok: false, message: `dial tcp ${host}:${port}: ${error.message}` }));
    });
  }
  if (probe.exec?.command?.length) {
    const [file, ...args] = probe.exec.command;
    return new Promise((resolve) => {
      let output = '';
      const child = spawn(file!, args, { env: { ...context.env }, cwd: context.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.once('error', (error) => {
        clearTimeout(timer);
        resolve({ ok: false, message: error.message });
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ ok: code === 0, message: signal ? `command timed out` : output.trim() || `command exited with ${code}` });
      });
    });
  }
  return Promise.resolve({ ok: true, message: '' }); // no handler: nothing to check
}

/** What a container's probes report to the kubelet. */
export interface ProbeListener {
  /** Readiness changed (also the first result). */
  onReadiness(ready: boolean, message: string): void;
  /** Liveness (or the startup probe) failed `failureThreshold` times in a row: restart the container. */
  onUnhealthy(message: string): void;
}

/**
 * The probes of one running container: startup first (liveness and readiness wait for it), then liveness and
 * readiness on their periods, with the thresholds counted as the kubelet counts them. Without a readiness
 * probe a started container is ready at once.
 */
export class ContainerProbes {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private stopped = false;
  private started: boolean;
  private ready: boolean | undefined;

  constructor(
    private readonly probes: { startupProbe?: ProbeSpec; livenessProbe?: ProbeSpec; readinessProbe?: ProbeSpec },
    private readonly context: ProbeContext,
    private readonly listener: ProbeListener,
  ) {
    this.started = !probes.startupProbe;
  }

  start(): void {
    if (this.probes.startupProbe) this.loop(this.probes.startupProbe, 'startup');
    else this.afterStartup();
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private afterStartup(): void {
    this.started = true;
    if (this.probes.livenessProbe) this.loop(this.probes.livenessProbe, 'liveness');
    if (this.probes.readinessProbe) this.loop(this.probes.readinessProbe, 'readiness');
    else this.setReady(true, '');
  }

  private setReady(ready: boolean, message: string): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.listener.onReadiness(ready, message);
  }

  private later(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) action();
    }, ms);
    this.timers.add(timer);
  }

  private loop(probe: ProbeSpec, kind: 'startup' | 'liveness' | 'readiness'): void {
    let successes = 0;
    let failures = 0;
    const periodMs = (probe.periodSeconds ?? 10) * 1000;
    const tick = async (): Promise<void> => {
      const result = await runProbe(probe, this.context);
      if (this.stopped) return;
      if (result.ok) {
        successes += 1;
        failures = 0;
      } else {
        failures += 1;
        successes = 0;
      }
      if (kind === 'startup') {
        if (result.ok) return this.afterStartup(); // a startup probe stops once it succeeds
        if (failures >= (probe.failureThreshold ?? 3)) return this.listener.onUnhealthy(`Startup probe failed: ${result.message}`);
      } else if (kind === 'liveness') {
        if (failures >= (probe.failureThreshold ?? 3)) return this.listener.onUnhealthy(`Liveness probe failed: ${result.message}`);
      } else if (result.ok && successes >= (probe.successThreshold ?? 1)) this.setReady(true, '');
      else if (!result.ok && (failures >= (probe.failureThreshold ?? 3) || this.ready === undefined))
        this.setReady(false, `Readiness probe failed: ${result.message}`);
      this.later(periodMs, () => void tick());
    };
    this.later((probe.initialDelaySeconds ?? 0) * 1000, () => void tick());
  }
}
