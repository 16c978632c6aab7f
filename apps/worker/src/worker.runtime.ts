import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { JobName, QueueName, type TrainingOutcome } from '@scaleplan/contracts';
import type { WorkerConfig } from './config/worker.config.js';
import { RedisRunCancellations } from './training/run-cancellations.js';
import { TrainingProcessor } from './training/training.processor.js';

/**
 * The worker process: one BullMQ Worker on the runs queue, concurrency 1 (one model per process: two
 * concurrent runs on this machine are each half as fast), with short locks so a crash is noticed in
 * ~lockDuration + stalledInterval.
 */
export class WorkerRuntime {
  private worker: Worker | undefined;
  private connection: Redis | undefined;
  private readonly cancellations: RedisRunCancellations;
  private currentJobId: string | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastActivity = Date.now();
  private shuttingDown: Promise<void> | undefined;
  private markStopped: () => void = () => undefined;
  /** Resolves once the worker has stopped (signal or idle exit). */
  readonly stopped = new Promise<void>((resolve) => {
    this.markStopped = resolve;
  });
  readonly processor: TrainingProcessor;

  constructor(
    private readonly config: WorkerConfig,
    private readonly log: Logger,
  ) {
    this.cancellations = new RedisRunCancellations(config.redisUrl, config.queuePrefix, log.child({ context: 'RunCancellations' }));
    this.processor = new TrainingProcessor(config, log.child({ context: 'TrainingProcessor' }), this.cancellations);
  }

  async start(): Promise<void> {
    this.connection = new Redis(this.config.redisUrl, { maxRetriesPerRequest: null });
    // Declaring the third parameter makes BullMQ create the per-job AbortSignal that `worker.cancelJob` aborts.
    this.worker = new Worker<unknown, TrainingOutcome>(
      QueueName.Runs,
      async (job, token, signal) => {
        if (job.name !== JobName.TrainRun) throw new Error(`Unknown job name ${job.name} on queue ${QueueName.Runs}`);
        this.currentJobId = job.id;
        try {
          return await this.processor.process(job, token, signal);
        } finally {
          this.currentJobId = undefined;
        }
      },
      {
        connection: this.connection,
        prefix: this.config.queuePrefix,
        concurrency: 1,
        lockDuration: this.config.lockDurationMs,
        stalledInterval: this.config.stalledIntervalMs,
        // Checkpoints make a restart cheap, so tolerate a few crashes before giving up on a run.
        maxStalledCount: 5,
        autorun: false,
      },
    );
    this.worker.on('active', () => {
      this.busy = true;
      this.lastActivity = Date.now();
    });
    const idle = (): void => {
      this.busy = false;
      this.lastActivity = Date.now();
    };
    this.worker.on('completed', (job) => {
      idle();
      this.processor.release(job);
    });
    this.worker.on('failed', (job, error) => {
      idle();
      if (error.name === 'WaitingError') return; // handed back on shutdown, not a failure
      this.log.warn({ jobId: job?.id, reason: error.message }, 'Failed TrainRun job');
      if (job && job.finishedOn) this.processor.release(job);
    });
    this.worker.on('lockRenewalFailed', (jobIds) =>
      this.log.warn({ jobIds }, 'Lost lock of TrainRun job; its rerun will resume from the checkpoint'),
    );
    this.worker.on('error', (error) => this.log.error({ err: error }, 'Worker error'));
    if (this.config.idleExitSeconds > 0) {
      this.idleTimer = setInterval(() => {
        if (!this.busy && Date.now() - this.lastActivity > this.config.idleExitSeconds * 1000) {
          this.log.info({ idleSeconds: this.config.idleExitSeconds }, 'Stopped idle worker');
          void this.shutdown('idle');
        }
      }, 500);
    }
    // Subscribed before the first job is taken, so no cancellation of a job this worker runs is published unheard.
    await this.cancellations.start(
      (jobId, reason) => this.cancel(jobId, reason),
      () => void this.recheckCancellation(),
    );
    void this.worker.run();
    this.log.info(
      { queue: QueueName.Runs, prefix: this.config.queuePrefix, backend: this.config.backend, lockDurationMs: this.config.lockDurationMs },
      'Started worker',
    );
  }

  /** Stops the run of `jobId` if this worker is running it (a cancellation from the control plane). */
  private cancel(jobId: string, reason: string): void {
    if (this.worker?.cancelJob(jobId, reason)) this.log.info({ jobId, reason }, 'Cancelling TrainRun job');
  }

  /** After the subscriber reconnected: a cancellation published meanwhile is only in its marker. */
  private async recheckCancellation(): Promise<void> {
    const jobId = this.currentJobId;
    if (!jobId) return;
    const reason = await this.cancellations.reasonFor(jobId).catch(() => undefined);
    if (reason !== undefined) this.cancel(jobId, reason);
  }

  /** Stops taking jobs; a running job checkpoints and goes back to the queue. Idempotent. */
  shutdown(reason: string): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.log.info({ reason }, 'Stopping worker');
      if (this.idleTimer) clearInterval(this.idleTimer);
      this.processor.stop();
      await this.worker?.close();
      await this.cancellations.close();
      await this.connection?.quit().catch(() => undefined);
      this.log.info({ reason }, 'Stopped worker');
      this.markStopped();
    })();
    return this.shuttingDown;
  }
}
