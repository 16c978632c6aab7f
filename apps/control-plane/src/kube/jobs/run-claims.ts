import { QueueName, runCancelKey, type TrainingOutcome } from '@scaleplan/contracts';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * The lock token of every run the control plane holds for a Job. One well-known token (not one per process)
 * so that a restarted control plane, or a new leader, can extend, complete and fail the runs its predecessor
 * took: only the leader dispatches, and every step is idempotent.
 */
export const RUN_JOB_LOCK_TOKEN = 'scaleplan-control-plane:run-jobs';

/** Options of `RunClaims`. */
export interface RunClaimsOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  /**
   * How long a claimed run stays active without a renewal. A control plane that is gone longer than this
   * gives its runs back to the queue (BullMQ's stalled check), and a Job that exists for the attempt is found again.
   * @default 60000
   */
  readonly lockMs?: number;
}

/**
 * The runs queue as the Job dispatcher uses it: BullMQ's manual processing. `take` moves the next run (by
 * priority, then order) to active under `RUN_JOB_LOCK_TOKEN`; the dispatcher then keeps the lock while the
 * run's Job exists and finally completes or fails the run, which is what the result collector reads. BullMQ
 * stays the source of truth for order, attempts and results.
 */
export class RunClaims {
  private readonly connection: Redis;
  private readonly worker: Worker;
  private readonly queue: Queue;
  readonly lockMs: number;

  constructor(private readonly options: RunClaimsOptions) {
    this.lockMs = options.lockMs ?? 60_000;
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    this.connection.on('error', () => undefined); // surfaced through the calls
    this.worker = new Worker(QueueName.Runs, null, {
      connection: this.connection,
      prefix: options.prefix,
      autorun: false,
      lockDuration: this.lockMs,
      stalledInterval: this.lockMs,
      maxStalledCount: 5,
    });
    this.worker.on('error', () => undefined);
    this.queue = new Queue(QueueName.Runs, { connection: this.connection, prefix: options.prefix });
    this.queue.on('error', () => undefined);
  }

  /** Starts BullMQ's stalled check: runs whose lock lapsed go back to waiting. */
  async start(): Promise<void> {
    await this.connection.connect().catch(() => undefined);
    await this.worker.startStalledCheckTimer();
  }

  /** Moves the next waiting run to active under our lock; undefined when none waits. */
  async take(): Promise<Job | undefined> {
    return (await this.worker.getNextJob(RUN_JOB_LOCK_TOKEN, { block: false })) ?? undefined;
  }

  /** The active runs locked with our token. */
  async held(): Promise<Job[]> {
    const active = await this.queue.getJobs(['active'], 0, -1, true);
    if (active.length === 0) return [];
    const lockKeys = active.map((job) => `${this.options.prefix}:${QueueName.Runs}:${job.id}:lock`);
    const locks = await this.connection.mget(...lockKeys);
    return active.filter((_, i) => locks[i] === RUN_JOB_LOCK_TOKEN);
  }

  /** Renews the locks of runs whose Jobs are still going. */
  async extend(jobs: readonly Job[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.worker.extendJobLocks(
      jobs.map((job) => job.id as string),
      jobs.map(() => RUN_JOB_LOCK_TOKEN),
      this.lockMs,
    );
  }

  /** Cancellation reasons (`run-cancellation.ts`) of these runs, where one is set. */
  async cancellations(jobs: readonly Job[]): Promise<Map<string, string>> {
    if (jobs.length === 0) return new Map();
    const reasons = await this.connection.mget(...jobs.map((job) => runCancelKey(this.options.prefix, job.id as string)));
    return new Map(jobs.flatMap((job, i) => (reasons[i] != null ? [[job.id as string, reasons[i] as string]] : [])));
  }

  /** Drops a run's cancellation marker once the run has stopped. */
  async acknowledgeCancellation(job: Job): Promise<void> {
    await this.connection.del(runCancelKey(this.options.prefix, job.id as string));
  }

  async complete(job: Job, outcome: TrainingOutcome): Promise<void> {
    await job.moveToCompleted(outcome, RUN_JOB_LOCK_TOKEN, false);
  }

  /** Fails this attempt; BullMQ retries the run with backoff unless `final` or its attempts are spent. */
  async fail(job: Job, reason: string, final = false): Promise<void> {
    await job.moveToFailed(final ? new UnrecoverableError(reason) : new Error(reason), RUN_JOB_LOCK_TOKEN, false);
  }

  async close(): Promise<void> {
    await this.worker.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    this.connection.disconnect();
  }
}
