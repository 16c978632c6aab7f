import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { runCancelChannel, runCancelKey, RUN_CANCEL_TTL_SECONDS } from '@scaleplan/contracts';

/** Reason used when a cancellation arrives without its marker (expired or already consumed). */
export const UNKNOWN_CANCEL_REASON = 'cancelled by the control plane';

/**
 * `announcedOnly`: the caller accepts the cheap answer, from the markers announced on the channel (or
 * listed at start) instead of a Redis round trip. Meant for simulated runs, which cost no compute: a marker
 * set without its message (against the contract) is then not seen, and the control plane drops a late
 * result of a deleted owner anyway.
 */
export interface MarkerLookup {
  readonly announcedOnly?: boolean;
}

/** What the processor needs to know about cancellations (a fake in unit tests). */
export interface RunCancellations {
  /** The reason stored with the job's cancellation marker, or undefined when it was not cancelled. */
  reasonFor(jobId: string, lookup?: MarkerLookup): Promise<string | undefined>;
  /** Deletes the job's marker once it was honoured (or the job finished), so a later job with the same id is not cancelled by it. */
  acknowledge(jobId: string, lookup?: MarkerLookup): Promise<void>;
}

/** How many recently acknowledged job ids are remembered (a marker set while one was finishing is deleted when its message arrives). */
const RECENTLY_ACKNOWLEDGED = 1024;

/**
 * The worker's side of `run-cancellation.ts` (contracts): a dedicated subscriber connection listens on
 * `runCancelChannel(prefix)` and hands each job id, with the reason read from `runCancelKey(prefix, id)`,
 * to `onCancel` (the runtime calls `worker.cancelJob`). The marker itself covers what pub/sub cannot:
 * a job picked just before or after the message, or a message lost while the subscriber reconnected —
 * the processor reads it when a job starts, and `onResubscribed` lets the runtime re-check its running job.
 *
 * Simulated runs (`announcedOnly`) cost no round trip: a marker is set together with its message (one
 * MULTI), so once the subscription is active and the markers that existed before it were listed (one
 * SCAN), the job ids that may have a marker are those heard since. For them `reasonFor` and `acknowledge`
 * go to Redis only for those ids (Redis stays authoritative: another worker may have consumed the marker
 * meanwhile), and for every job while the listing is incomplete (at start, after a reconnect, or when it
 * failed). Real runs always read and delete the marker in Redis (one round trip is nothing next to training).
 */
export class RedisRunCancellations implements RunCancellations {
  private subscriber: Redis | undefined;
  private subscribedOnce = false;
  /** GET/DEL of the markers (a subscribed connection can run nothing else). */
  private readonly commands: Redis;
  /** Job ids that may have a marker (heard on the channel or listed by SCAN) → when (ms). */
  private readonly candidates = new Map<string, number>();
  /** True while the subscription is active and the markers set before it are in `candidates`. */
  private complete = false;
  private listing = 0;
  private readonly recentlyAcknowledged = new Set<string>();

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
      this.addCandidate(jobId);
      if (this.recentlyAcknowledged.delete(jobId)) {
        // Set while the run was finishing, after its acknowledgement: it must not cancel a later job with this id.
        void this.acknowledge(jobId).catch(() => undefined);
        return;
      }
      void this.reasonFor(jobId)
        .catch(() => undefined)
        .then((reason) => onCancel(jobId, reason ?? UNKNOWN_CANCEL_REASON));
    });
    // ioredis re-subscribes by itself after a reconnect; messages published meanwhile are lost, so re-check the markers.
    subscriber.on('close', () => {
      this.complete = false;
    });
    subscriber.on('ready', () => {
      if (!this.subscribedOnce) return;
      this.complete = false;
      // ioredis has sent its SUBSCRIBE again; the PING's reply comes after it was applied, so markers set from
      // then on come with a message we hear, and the listing covers the ones set before.
      void subscriber
        .ping()
        .catch(() => undefined)
        .then(() => this.listMarkers());
      onResubscribed();
    });
    await subscriber.connect();
    await subscriber.subscribe(channel);
    this.subscribedOnce = true;
    await this.listMarkers();
  }

  /** Lists the markers that exist now (SCAN); until it succeeds every job is checked in Redis. */
  private async listMarkers(): Promise<void> {
    const listing = ++this.listing;
    try {
      const pattern = `${runCancelKey(this.prefix, '')}*`;
      const offset = pattern.length - 1;
      let cursor = '0';
      do {
        const [next, keys] = await this.commands.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) this.addCandidate(key.slice(offset));
      } while (cursor !== '0');
      if (listing === this.listing && this.subscriber?.status === 'ready') this.complete = true;
    } catch (error) {
      this.log.debug({ err: error }, 'Could not list run-cancellation markers; checking each job in Redis');
    }
  }

  private addCandidate(jobId: string): void {
    const now = Date.now();
    this.candidates.set(jobId, now);
    // A marker lives a day at most: forget ids heard before that (jobs of other workers, for instance).
    if (this.candidates.size > 1024) {
      for (const [id, at] of this.candidates) if (now - at > RUN_CANCEL_TTL_SECONDS * 1000) this.candidates.delete(id);
    }
  }

  async reasonFor(jobId: string, lookup: MarkerLookup = {}): Promise<string | undefined> {
    this.recentlyAcknowledged.delete(jobId); // running (again): a cancellation heard from now on is for this run
    if (lookup.announcedOnly && this.complete && !this.candidates.has(jobId)) return undefined;
    const reason = (await this.commands.get(runCancelKey(this.prefix, jobId))) ?? undefined;
    if (reason !== undefined) this.addCandidate(jobId); // so that its acknowledgement deletes it
    return reason;
  }

  async acknowledge(jobId: string, lookup: MarkerLookup = {}): Promise<void> {
    this.recentlyAcknowledged.add(jobId);
    if (this.recentlyAcknowledged.size > RECENTLY_ACKNOWLEDGED)
      this.recentlyAcknowledged.delete(this.recentlyAcknowledged.values().next().value as string);
    if (lookup.announcedOnly && this.complete && !this.candidates.has(jobId)) return;
    this.candidates.delete(jobId);
    await this.commands.del(runCancelKey(this.prefix, jobId));
  }

  async close(): Promise<void> {
    for (const connection of [this.subscriber, this.commands]) {
      await connection?.quit().catch(() => undefined);
      connection?.disconnect();
    }
  }
}
