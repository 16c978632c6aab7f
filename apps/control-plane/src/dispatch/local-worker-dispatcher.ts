import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Logger } from 'pino';
import type { WorkDemand, WorkerDispatcher } from './worker-dispatcher.js';

/** How the local dispatcher starts one worker. */
export interface LocalWorkerOptions {
  /** argv of one worker, e.g. ['node', '/repo/dist/apps/worker/src/main.js']. */
  readonly command: readonly string[];
  /** Working directory of the workers (the repository root). */
  readonly cwd: string;
  /** Environment of each worker (REDIS_URL, SCALEPLAN_QUEUE_PREFIX, …). */
  readonly env: Readonly<Record<string, string>>;
  /** Most workers at once. */
  readonly maxWorkers: number;
  /** Append the workers' stdout/stderr to this file instead of the control plane's terminal. */
  readonly logFile?: string;
  /** Restarts of crashed workers are spaced by this much, doubling per consecutive crash. @default 500 */
  readonly restartBackoffMs?: number;
}

interface Child {
  readonly id: number;
  readonly process: ChildProcess;
  stopping: boolean;
}

/**
 * Local dispatch: keeps worker child processes alive while runs are queued. It wants
 * min(max, waiting + active) workers (at least one while there is any work), restarts crashed
 * ones with backoff, and lets idle ones go: a worker started with SCALEPLAN_WORKER_IDLE_EXIT_SECONDS
 * exits by itself when it finds no work, and is only restarted when there is demand again.
 */
export class LocalWorkerDispatcher implements WorkerDispatcher {
  private readonly children = new Map<number, Child>();
  private nextId = 1;
  private consecutiveCrashes = 0;
  private restartNotBefore = 0;
  private lastDemand: WorkDemand = { waiting: 0, active: 0 };
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: LocalWorkerOptions,
    private readonly log: Logger,
  ) {}

  /** Number of live worker processes. */
  get size(): number {
    return [...this.children.values()].filter((c) => !c.stopping).length;
  }

  /** Process ids of the live workers (tests kill one to check recovery). */
  pids(): number[] {
    return [...this.children.values()].filter((c) => !c.stopping && c.process.pid).map((c) => c.process.pid as number);
  }

  async reconcileWorkers(demand: WorkDemand): Promise<void> {
    this.lastDemand = demand;
    if (this.closed) return;
    const work = demand.waiting + demand.active;
    const wanted = Math.min(this.options.maxWorkers, work);
    const now = Date.now();
    if (this.size < wanted && now < this.restartNotBefore) {
      this.scheduleRetry(this.restartNotBefore - now);
      return;
    }
    while (this.size < wanted) this.startWorker();
  }

  private scheduleRetry(delayMs: number): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.reconcileWorkers(this.lastDemand);
    }, delayMs);
    this.retryTimer.unref();
  }

  private startWorker(): void {
    const [file, ...args] = this.options.command;
    const id = this.nextId++;
    const fd = this.options.logFile ? openSync(this.options.logFile, 'a') : undefined;
    const child = spawn(file as string, args, {
      cwd: this.options.cwd,
      env: { ...process.env, ...this.options.env },
      stdio: fd === undefined ? ['ignore', 'inherit', 'inherit'] : ['ignore', fd, fd],
    });
    if (fd !== undefined) closeSync(fd);
    const entry: Child = { id, process: child, stopping: false };
    this.children.set(id, entry);
    this.log.info({ worker: id, pid: child.pid }, 'Started local worker');
    const startedAt = Date.now();
    child.on('error', (error) => this.log.error({ worker: id, err: error }, 'Failed to start local worker'));
    child.on('exit', (code, signal) => {
      this.children.delete(id);
      if (entry.stopping || this.closed) return;
      if (code === 0) {
        this.consecutiveCrashes = 0;
        this.log.info({ worker: id, pid: child.pid }, 'Stopped idle local worker');
        return;
      }
      this.consecutiveCrashes = Date.now() - startedAt > 60_000 ? 1 : this.consecutiveCrashes + 1;
      const backoffMs = Math.min(30_000, (this.options.restartBackoffMs ?? 500) * 2 ** (this.consecutiveCrashes - 1));
      this.restartNotBefore = Date.now() + backoffMs;
      this.log.warn({ worker: id, pid: child.pid, code, signal, backoffMs }, 'Restarting crashed local worker');
      this.scheduleRetry(backoffMs);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const exits = [...this.children.values()].map(
      (entry) =>
        new Promise<void>((resolve) => {
          entry.stopping = true;
          if (entry.process.exitCode !== null || entry.process.signalCode !== null) return resolve();
          entry.process.once('exit', () => resolve());
          entry.process.kill('SIGTERM');
          setTimeout(() => {
            entry.process.kill('SIGKILL');
            resolve();
          }, 10_000).unref();
        }),
    );
    await Promise.all(exits);
    this.children.clear();
  }
}
