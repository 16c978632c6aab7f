import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { runCancelChannel, runCancelKey } from '@scaleplan/contracts';

/** Reason used when a cancellation arrives without its marker (expired or already consumed). */
export const UNKNOWN_CANCEL_REASON = 'cancelled by the control plane';

/** What the processor needs to know about cancellations (a fake in unit tests). */
export interface RunCancellations {
  /** The reason stored with the job's cancellation marker, or undefined when it was not cancelled. */
  reasonFor(jobId: string): Promise<string | undefined>;
  /** Deletes the job's marker once it was honoured (or the job finished), so a later job with the same id is not cancelled by it. */
  acknowledge(jobId: string): Promise<void>;
}

/**
 * The worker's side of `run-cancellation.ts` (contracts): a dedicated subscriber connection listens on
 * `runCancelChannel(prefix)` and hands each job id, with the reason read from `runCancelKey(prefix, id)`,
 * to `onCancel` (the runtime calls `worker.cancelJob`). The marker itself covers what pub/sub cannot:
 * a job picked just before or after the message, or a message lost while the subscriber reconnected —
 * the processor reads it when a job starts, and `onResubscribed` lets the runtime re-check its running job.
 */
export class RedisRunCancellations implements RunCancellations {
  private subscriber: Redis | undefined;
  private subscribedOnce = false;
  /** GET/DEL of the markers (a subscribed connection can run nothing else). */
  private readonly commands: Redis;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    this.commands = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.commands.on('error', (error) => this.log.debug({ err: error }, 'Lost the run-cancellation connection'));
  }

  /** Subscribes; resolves once the subscription is active (so no cancellation published afterwards is missed). */
  async start(onCancel: (jobId: string, reason: string) => void, onResubscribed: () => void): Promise<void> {
    const channel = runCancelChannel(this.prefix);
    const subscriber = new Redis(this.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.subscriber = subscriber;
    subscriber.on('error', (error) => this.log.debug({ err: error }, 'Lost the run-cancellation subscription'));
    subscriber.on('message', (from: string, jobId: string) => {
      if (from !== channel) return;
      void this.reasonFor(jobId)
        .catch(() => undefined)
        .then((reason) => onCancel(jobId, reason ?? UNKNOWN_CANCEL_REASON));
    });
    // ioredis re-subscribes by itself after a reconnect; messages published meanwhile are lost, so re-check the markers.
    subscriber.on('ready', () => {
      if (this.subscribedOnce) onResubscribed();
    });
    await subscriber.connect();
    await subscriber.subscribe(channel);
    this.subscribedOnce = true;
  }

  async reasonFor(jobId: string): Promise<string | undefined> {
    return (await this.commands.get(runCancelKey(this.prefix, jobId))) ?? undefined;
  }

  async acknowledge(jobId: string): Promise<void> {
    await this.commands.del(runCancelKey(this.prefix, jobId));
  }

  async close(): Promise<void> {
    for (const connection of [this.subscriber, this.commands]) {
      await connection?.quit().catch(() => undefined);
      connection?.disconnect();
    }
  }
}
