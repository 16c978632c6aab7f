import {
  JobName,
  QueueName,
  runCancelChannel,
  runCancelKey,
  RUN_CANCEL_TTL_SECONDS,
  trainingJobId,
  type TrainRunInput,
} from '@scaleplan/contracts';
import { Queue, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { ControlPlaneError } from '../control-plane.errors.js';
import type { WorkDemand } from '../dispatch/worker-dispatcher.js';

/** Retry policy of every run: exponential backoff for transient failures. */
export interface RunRetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
}

/** A run to put on the queue. */
export interface RunJob {
  readonly data: TrainRunInput;
  /** BullMQ priority: lower runs first (final runs use 1). */
  readonly priority: number;
}

/** A finished job as the result collector reads it (the fields of BullMQ's job hash it needs). */
export interface FinishedJob {
  readonly id: string;
  /** The job's payload (parsed JSON). */
  readonly data: unknown;
  /** What the processor returned (parsed JSON), null when nothing was. */
  readonly returnvalue: unknown;
  readonly failedReason: string;
  readonly attemptsStarted: number;
  readonly attemptsMade: number;
}

/** Job hash fields read for a `FinishedJob` (BullMQ's names: `ats`/`atm` are attempts started/made). */
const FINISHED_FIELDS = ['data', 'returnvalue', 'failedReason', 'ats', 'atm'] as const;

const parseJson = (text: string, fallback: unknown): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
};

/** Queue depth by state (BullMQ's own names). */
export type QueueDepth = Record<'waiting' | 'prioritized' | 'delayed' | 'active' | 'completed' | 'failed', number>;

/**
 * The only producer of the runs queue (Ghostfolio's "service is the only producer" rule).
 * Job ids are deterministic (`trainingJobId`), so adding a run twice is a no-op in BullMQ.
 */
export class RunQueue {
  readonly queue: Queue;

  constructor(
    connection: { url: string },
    readonly prefix: string,
    private readonly redis: Redis,
    private readonly retry: RunRetryPolicy,
  ) {
    this.queue = new Queue(QueueName.Runs, { connection, prefix });
    // Errors surface through the calls (and /readyz); the emitter must not crash the process.
    this.queue.on('error', () => undefined);
  }

  /** Adds runs in one round trip (addBulk). */
  async enqueue(runs: readonly RunJob[]): Promise<void> {
    if (runs.length === 0) return;
    await this.wrap(() =>
      this.queue.addBulk(
        runs.map((run) => ({
          name: JobName.TrainRun,
          data: run.data,
          opts: this.jobOptions(run),
        })),
      ),
    );
  }

  private jobOptions(run: RunJob): JobsOptions {
    return {
      jobId: trainingJobId(run.data.owner, run.data.runId),
      priority: run.priority,
      attempts: this.retry.attempts,
      backoff: { type: 'exponential', delay: this.retry.backoffMs },
      // Finished jobs stay until the result collector has stored them; it removes them then.
      removeOnComplete: false,
      removeOnFail: false,
    };
  }

  /**
   * Finished jobs, oldest first, for the result collector: the fields it needs, in two round trips (the
   * ids, then one pipeline of HMGET). BullMQ's `getJobs` reads each job twice (its script returns the
   * hashes, then `getJob` fetches every one again, one command each), which cost more than the rest of
   * the collection.
   */
  async finished(state: 'completed' | 'failed', limit: number): Promise<FinishedJob[]> {
    const base = `${this.prefix}:${QueueName.Runs}`;
    const ids = await this.wrap(() => this.redis.zrange(`${base}:${state}`, '0', String(limit - 1)));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(`${base}:${id}`, ...FINISHED_FIELDS);
    const replies = (await this.wrap(() => pipeline.exec())) ?? [];
    const jobs: FinishedJob[] = [];
    const dangling: string[] = [];
    ids.forEach((id, i) => {
      const [error, values] = replies[i] ?? [];
      if (error) throw new ControlPlaneError('Unavailable', `Redis is unavailable: ${error.message}`, [], { cause: error });
      const [data, returnvalue, failedReason, ats, atm] = (values ?? []) as (string | null)[];
      if (data === null || data === undefined) {
        dangling.push(id); // its hash is gone: nothing to collect, and it must not hold up the jobs behind it
        return;
      }
      jobs.push({
        id,
        // Parsed on first use only: the collector reads owner and run id from the job id, the owner's kind from here.
        get data(): unknown {
          return parseJson(data, {});
        },
        returnvalue: returnvalue === null || returnvalue === undefined ? null : parseJson(returnvalue, returnvalue),
        failedReason: failedReason ?? '',
        attemptsStarted: Number.parseInt(ats || '0', 10),
        attemptsMade: Number.parseInt(atm || '0', 10),
      });
    });
    if (dangling.length > 0) await this.wrap(() => this.redis.zrem(`${base}:${state}`, ...dangling));
    return jobs;
  }

  async active(): Promise<Job[]> {
    return (await this.wrap(() => this.queue.getJobs(['active'], 0, -1, true))) as Job[];
  }

  /**
   * Removes finished jobs by id (after their results were stored). A finished job has no lock, parent or
   * children here (no flows), so removing it is dropping it from its finished set and deleting its hash
   * and logs — one pipelined round trip instead of BullMQ's general per-job removal script, which would
   * double Redis's work per run.
   */
  async removeFinishedJobs(state: 'completed' | 'failed', jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const base = `${this.prefix}:${QueueName.Runs}`;
    const pipeline = this.redis.pipeline().zrem(`${base}:${state}`, ...jobIds);
    for (const id of jobIds) pipeline.del(`${base}:${id}`, `${base}:${id}:logs`);
    await this.wrap(() => pipeline.exec());
  }

  /** Which of these job ids exist in the queue (pipelined EXISTS on the job hashes). */
  async existing(jobIds: readonly string[]): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const pipeline = this.redis.pipeline();
    for (const id of jobIds) pipeline.exists(`${this.prefix}:${QueueName.Runs}:${id}`);
    const results = await this.wrap(() => pipeline.exec());
    return new Set(jobIds.filter((_, i) => results?.[i]?.[1] === 1));
  }

  /**
   * Removes queued jobs and asks workers to stop active ones (see `run-cancellation.ts` in contracts).
   * Returns how many were removed and how many were asked to stop.
   */
  async cancel(jobIds: readonly string[], reason: string): Promise<{ removed: number; stopping: number }> {
    let removed = 0;
    let stopping = 0;
    for (const jobId of jobIds) {
      const job = await this.wrap(() => this.queue.getJob(jobId));
      if (!job) continue;
      const state = await this.wrap(() => job.getState());
      if (state === 'active') {
        stopping += 1;
        await this.wrap(() =>
          this.redis
            .multi()
            .set(runCancelKey(this.prefix, jobId), reason, 'EX', RUN_CANCEL_TTL_SECONDS)
            .publish(runCancelChannel(this.prefix), jobId)
            .exec(),
        );
      } else {
        removed += await this.queue.remove(jobId).catch(() => 0);
      }
    }
    return { removed, stopping };
  }

  /** Queue depth by state. */
  async depth(): Promise<QueueDepth> {
    const counts = await this.wrap(() => this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'));
    return {
      waiting: counts.waiting ?? 0,
      prioritized: counts.prioritized ?? 0,
      delayed: counts.delayed ?? 0,
      active: counts.active ?? 0,
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
    };
  }

  /** Work for the dispatcher: everything that still needs a worker. */
  async demand(): Promise<WorkDemand> {
    const depth = await this.depth();
    return { waiting: depth.waiting + depth.prioritized + depth.delayed, active: depth.active };
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => undefined);
  }

  private async wrap<R>(call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      throw new ControlPlaneError('Unavailable', `Redis is unavailable: ${(error as Error).message}`, [], { cause: error });
    }
  }
}
