import type { Logger } from 'pino';
import type { WorkDemand, WorkerDispatcher } from './worker-dispatcher.js';

/**
 * Calls the dispatcher with the queue's demand periodically and whenever work is added, so workers
 * exist while runs are queued (and a crashed worker is replaced at the next tick). Kicks before `start`
 * do nothing: a loop that is never started (`tuning.disableDispatch`) never starts a worker.
 */
export class DispatchLoop {
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private running = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly demand: () => Promise<WorkDemand>,
    private readonly dispatcher: WorkerDispatcher,
    private readonly log: Logger,
    private readonly intervalMs = 2000,
  ) {}

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
    this.kick();
  }

  private lastRun = 0;
  private delayed: NodeJS.Timeout | undefined;

  /** Asks for a dispatch pass soon (at most one every 100 ms: kicks come with every result). */
  kick(): void {
    // Results and reconciles kick on every change; without this guard they alone would start workers.
    if (!this.started || this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.lastRun + 100 - Date.now();
    if (wait > 0) {
      this.delayed ??= setTimeout(() => {
        this.delayed = undefined;
        this.kick();
      }, wait);
      return;
    }
    this.lastRun = Date.now();
    this.running = true;
    void (async () => {
      try {
        await this.dispatcher.reconcileWorkers(await this.demand());
      } catch (error) {
        this.log.debug({ err: error }, 'Failed to reconcile workers');
      } finally {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      }
    })();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.delayed) clearTimeout(this.delayed);
    await this.dispatcher.close();
  }
}
