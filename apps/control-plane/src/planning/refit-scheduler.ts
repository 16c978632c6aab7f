import type { ObjectRef } from '@scaleplan/contracts';
import type { Logger } from 'pino';
import { refKey } from '../resources/resource-store.js';

/**
 * Debounces refit requests per study and runs the refits one at a time, off the request path:
 * a burst of results (a whole wave of sweep runs finishing) costs one refit, run `debounceMs`
 * after the last result. A request that arrives while the study is being refitted schedules one more.
 */
export class RefitScheduler {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; ref: ObjectRef }>();
  private readonly pending = new Map<string, ObjectRef>();
  private running: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly refit: (ref: ObjectRef) => Promise<void>,
    private readonly debounceMs: number,
    private readonly log: Logger,
    /** Refits each study at least this often while requests keep coming (so long sweeps show progress). @default 10 × debounce */
    private readonly maxWaitMs = debounceMs * 10,
  ) {}

  private readonly firstRequest = new Map<string, number>();

  /** Asks for a refit of `ref` after the quiet period. */
  request(ref: ObjectRef): void {
    if (this.closed) return;
    const key = refKey(ref);
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing.timer);
    const first = this.firstRequest.get(key) ?? Date.now();
    this.firstRequest.set(key, first);
    const delay = Math.max(0, Math.min(this.debounceMs, first + this.maxWaitMs - Date.now()));
    const timer = setTimeout(() => this.fire(key, ref), delay);
    timer.unref();
    this.timers.set(key, { timer, ref });
  }

  /** Drops pending refits of a deleted study. */
  cancel(ref: ObjectRef): void {
    const key = refKey(ref);
    const existing = this.timers.get(key);
    if (existing) clearTimeout(existing.timer);
    this.timers.delete(key);
    this.pending.delete(key);
    this.firstRequest.delete(key);
  }

  /** True while a refit of `ref` is scheduled, waiting or running (a later one will see every result stored by now). */
  has(ref: ObjectRef): boolean {
    const key = refKey(ref);
    return this.timers.has(key) || this.pending.has(key) || this.running === key;
  }

  /** True while refits are scheduled or running. */
  get busy(): boolean {
    return this.timers.size > 0 || this.pending.size > 0 || this.running !== undefined;
  }

  /** Resolves when no refit is scheduled or running. */
  async whenIdle(): Promise<void> {
    while (this.busy && !this.closed) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.pending.clear();
    await this.chain;
  }

  private fire(key: string, ref: ObjectRef): void {
    this.timers.delete(key);
    this.firstRequest.delete(key);
    if (this.pending.has(key)) return;
    this.pending.set(key, ref);
    this.chain = this.chain.then(async () => {
      if (this.closed || !this.pending.has(key)) return;
      this.pending.delete(key);
      this.running = key;
      try {
        await this.refit(ref);
      } catch (error) {
        this.log.error({ scalingLaw: key, err: error }, 'Failed to refit ScalingLaw');
        if (!this.closed) this.request(ref);
      } finally {
        this.running = undefined;
      }
    });
  }
}
