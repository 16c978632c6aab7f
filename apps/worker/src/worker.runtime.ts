import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { JobName, QueueName, type TrainingOutcome } from '@scaleplan/contracts';
import type { WorkerConfig } from './config/worker.config.js';
import { TrainingProcessor } from './training/training.processor.js';

/**
 * The worker process: one BullMQ Worker on the runs queue, concurrency 1 (one model per process: two
 * concurrent runs on this machine are each half as fast), with short locks so a crash is noticed in
 * ~lockDuration + stalledInterval.
 */
export class WorkerRuntime {
  private worker: Worker | undefined;
  private connection: Redis | undefined;
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
    this.processor = new TrainingProcessor(config, log.child({ context: 'TrainingProcessor' }));
  }

  async start(): Promise<void> {
    this.connection = new Redis(this.config.redisUrl, { maxRetriesPerRequest: null });
    this.worker = new Worker<unknown, TrainingOutcome>(
      QueueName.Runs,
      async (job, token) => {
        if (job.name !== JobName.TrainRun) throw new Error(`Unknown job name ${job.name} on queue ${QueueName.Runs}`);
        return this.processor.process(job, token);
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
    this.worker.on('lockRenewalFailed', (jobIds) => this.log.warn({ jobIds }, 'Lost lock of TrainRun job; its rerun will resume from the checkpoint'));
    this.worker.on('error', (error) => this.log.error({ err: error }, 'Worker error'));
    if (this.config.idleExitSeconds > 0) {
      this.idleTimer = setInterval(() => {
        if (!this.busy && Date.now() - this.lastActivity > this.config.idleExitSeconds * 1000) {
          this.log.info({ idleSeconds: this.config.idleExitSeconds }, 'Stopped idle worker');
          void this.shutdown('idle');
        }
      }, 500);
    }
    void this.worker.run();
    this.log.info({ queue: QueueName.Runs, prefix: this.config.queuePrefix, backend: this.config.backend, lockDurationMs: this.config.lockDurationMs }, 'Started worker');
  }

  /** Stops taking jobs; a running job checkpoints and goes back to the queue. Idempotent. */
  shutdown(reason: string): Promise<void> {
    this.shuttingDown ??= (async () => {
      this.log.info({ reason }, 'Stopping worker');
      if (this.idleTimer) clearInterval(this.idleTimer);
      this.processor.stop();
      await this.worker?.close();
      await this.connection?.quit().catch(() => undefined);
      this.log.info({ reason }, 'Stopped worker');
      this.markStopped();
    })();
    return this.shuttingDown;
  }
}
