import type { Informer, KubernetesObject, ObjectCache } from '@kubernetes/client-node';
import type { Logger } from 'pino';

/** What the informer tells its listeners. `resync` re-delivers a cached object (level-based reconcile). */
export type InformerEventType = 'added' | 'modified' | 'deleted' | 'resync';
export type InformerListener<T> = (type: InformerEventType, object: T) => void;

/** Options of a `ResilientInformer`. */
export interface ResilientInformerOptions {
  /** Re-delivers every cached object this often. @default 30 */
  readonly resyncSeconds?: number;
  /** First restart delay after an error; doubles per consecutive failure. @default 500 */
  readonly initialBackoffMs?: number;
  /** @default 30000 */
  readonly maxBackoffMs?: number;
  /**
   * More reconnects than this within `reconnectWindowMs` means the server is closing every watch at once;
   * client-node 1.4 would reconnect in a tight loop, so the informer is stopped and restarted with backoff.
   * @default 10
   */
  readonly maxReconnectsPerWindow?: number;
  /** @default 5000 */
  readonly reconnectWindowMs?: number;
}

/**
 * Wraps a client-node 1.4 informer, which relists only on 410 Gone, reconnects without any backoff when a
 * watch ends, and *stops for good* on any other error (kubernetes-client/javascript#958, #1933). This
 * wrapper restarts it with exponential backoff (from its last resourceVersion, so nothing is missed; a
 * too-old one gets 410 and a relist), breaks reconnect storms, and re-delivers the cache periodically.
 */
export class ResilientInformer<T extends KubernetesObject> {
  private readonly listeners = new Set<InformerListener<T>>();
  private informer: (Informer<T> & ObjectCache<T>) | undefined;
  private running = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private connects: number[] = [];
  private erroredSinceStart = false;
  private started: Promise<void> | undefined;
  private generation = 0;
  private readonly known = new Map<string, T>();
  /** Restarts after errors (for logs and tests). */
  restarts = 0;
  /** Wall-clock ms of the last watch event or successful (re)connect. */
  lastActivityAt = 0;
  /**
   * Wall-clock ms of the first failure since the informer last listed and watched successfully; undefined
   * while it works. Unlike `healthy` it stays set while restarts keep failing (readiness grace period).
   */
  failingSince: number | undefined;

  constructor(
    private readonly name: string,
    private readonly makeInformer: () => Informer<T> & ObjectCache<T>,
    private readonly log: Logger,
    private readonly options: ResilientInformerOptions = {},
  ) {}

  /** Subscribes; returns the unsubscribe function. */
  on(listener: InformerListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Known objects (what the last list and watch events said). */
  list(): readonly T[] {
    return [...this.known.values()];
  }

  /** True between `start` and `stop`, failing or not. */
  get isRunning(): boolean {
    return this.running;
  }

  /** True while running and not waiting for a restart. */
  get healthy(): boolean {
    return this.running && this.restartTimer === undefined;
  }

  /** Starts listing and watching; resolves once the first watch is open (or has failed and a restart is scheduled). */
  start(): Promise<void> {
    if (this.started) return this.started;
    this.running = true;
    const resyncMs = (this.options.resyncSeconds ?? 30) * 1000;
    if (resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), resyncMs);
      this.resyncTimer.unref();
    }
    this.started = this.run();
    return this.started;
  }

  /** Stops watching for good. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.restartTimer = undefined;
    this.resyncTimer = undefined;
    await this.informer?.stop().catch(() => undefined);
  }

  /**
   * (Re)starts with a fresh client-node informer, so every start lists again: after an error the last
   * resourceVersion may be what broke the watch (a restored or replaced API server), and a relist is
   * always correct. Objects known before but missing from the new list are reported deleted.
   */
  private async run(): Promise<void> {
    this.erroredSinceStart = false;
    const generation = ++this.generation;
    const current = () => generation === this.generation && this.running;
    const informer = this.makeInformer();
    this.informer = informer;
    informer.on('add', (object) => current() && this.emit(this.known.has(keyOf(object)) ? 'modified' : 'added', object));
    informer.on('update', (object) => current() && this.emit('modified', object));
    informer.on('delete', (object) => current() && this.emit('deleted', object));
    informer.on('connect', () => current() && this.onConnect());
    informer.on('error', (error) => current() && this.onError(error));
    try {
      await informer.start();
    } catch (error) {
      if (current()) this.onError(error);
      return;
    }
    if (!current() || this.erroredSinceStart) return;
    this.failures = 0;
    this.failingSince = undefined;
    this.lastActivityAt = Date.now();
    const listed = new Set(informer.list().map(keyOf));
    for (const [key, object] of [...this.known]) if (!listed.has(key)) this.emit('deleted', object);
  }

  private emit(type: InformerEventType, object: T): void {
    this.lastActivityAt = Date.now();
    if (type === 'deleted') this.known.delete(keyOf(object));
    else this.known.set(keyOf(object), object);
    for (const listener of this.listeners) {
      try {
        listener(type, object);
      } catch (error) {
        this.log.error({ err: error, informer: this.name }, 'Informer listener threw');
      }
    }
  }

  private resync(): void {
    if (!this.running) return;
    for (const object of this.list()) this.emit('resync', object);
  }

  private onConnect(): void {
    if (!this.running) return;
    const now = Date.now();
    const windowMs = this.options.reconnectWindowMs ?? 5000;
    this.connects = [...this.connects.filter((t) => now - t < windowMs), now];
    if (this.connects.length > (this.options.maxReconnectsPerWindow ?? 10)) {
      this.connects = [];
      this.log.warn({ informer: this.name }, 'Watch was closed repeatedly, backing off');
      this.generation += 1; // the stopped informer's late callbacks are ignored
      void this.informer?.stop().catch(() => undefined);
      this.scheduleRestart();
    }
  }

  private onError(error: unknown): void {
    // stop() makes client-node emit a spurious AbortError.
    if (!this.running || (error as Error)?.name === 'AbortError') return;
    this.erroredSinceStart = true;
    const message = (error as Error)?.message ?? String(error);
    if (this.failures === 0) this.log.warn({ informer: this.name, err: message }, 'Watch failed, restarting informer');
    else this.log.debug({ informer: this.name, err: message, failures: this.failures }, 'Watch failed again');
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.restartTimer || !this.running) return;
    this.failingSince ??= Date.now();
    const delayMs = Math.min(this.options.maxBackoffMs ?? 30_000, (this.options.initialBackoffMs ?? 500) * 2 ** this.failures);
    this.failures += 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.running) return;
      this.restarts += 1;
      this.log.info({ informer: this.name, restarts: this.restarts }, 'Restarted informer');
      const previous = this.informer;
      void previous?.stop().catch(() => undefined);
      void this.run();
    }, delayMs);
    this.restartTimer.unref();
  }
}

const keyOf = (object: KubernetesObject): string => `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
