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

/**
 * Collected jobs kept per finished state (completed, failed), newest first, so bull-board shows the
 * recent history; older ones are removed as new ones are collected.
 */
export const KEPT_FINISHED_JOBS = 100;

/** Queue depth by state (BullMQ's own names); completed and failed count only jobs not yet collected. */
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
    /** Collected jobs kept per finished state for bull-board (0: remove each once collected). */
    private readonly keptFinishedJobs = KEPT_FINISHED_JOBS,
  ) {
    this.queue = new Queue(QueueName.Runs, { connection, prefix });
    // Errors surface through the calls (and /readyz); the emitter must not crash the process.
    this.queue.on('error', () => undefined);
  }

  /**
   * Adds runs (addBulk). A kept finished job with the same id (a run of a deleted and re-created study)
   * is removed first: BullMQ would otherwise take the new run for a duplicate and drop it.
   */
  async enqueue(runs: readonly RunJob[]): Promise<void> {
    if (runs.length === 0) return;
    await this.removeKept(runs.map((run) => trainingJobId(run.data.owner, run.data.runId)));
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
    // Kept jobs were collected already; they are among the oldest, so read past them.
    const [listed, kept] = (await this.wrap(() =>
      this.redis
        .pipeline()
        .zrange(`${base}:${state}`, '0', String(limit - 1 + this.keptFinishedJobs))
        .lrange(this.keptKey(state), 0, -1)
        .exec(),
    )) as [[Error | null, string[]], [Error | null, string[]]];
    if (listed[0] || kept[0]) throw new ControlPlaneError('Unavailable', 'Redis is unavailable', [], { cause: listed[0] ?? kept[0] });
    const collected = new Set(kept[1]);
    const ids = listed[1].filter((id) => !collected.has(id)).slice(0, limit);
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
   * Retires finished jobs whose results were stored: the newest `keptFinishedJobs` per state stay for
   * bull-board (listed as collected, so they are not collected again), older ones are removed.
   */
  async retireFinishedJobs(state: 'completed' | 'failed', jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    if (this.keptFinishedJobs <= 0) return this.removeFinishedJobs(state, jobIds);
    const kept = this.keptKey(state);
    const results = await this.wrap(() =>
      this.redis
        .pipeline()
        .lpush(kept, ...jobIds)
        .lrange(kept, this.keptFinishedJobs, -1)
        .ltrim(kept, 0, this.keptFinishedJobs - 1)
        .exec(),
    );
    const [error, evicted] = results?.[1] ?? [null, []];
    if (error) throw new ControlPlaneError('Unavailable', `Redis is unavailable: ${error.message}`, [], { cause: error });
    await this.removeFinishedJobs(state, evicted as string[]);
  }

  /**
   * Removes finished jobs by id. A finished job has no lock, parent or children here (no flows), so
   * removing it is dropping it from its finished set and deleting its hash and logs — one pipelined
   * round trip instead of BullMQ's general per-job removal script, which would double Redis's work per run.
   */
  private async removeFinishedJobs(state: 'completed' | 'failed', jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const base = `${this.prefix}:${QueueName.Runs}`;
    const pipeline = this.redis.pipeline().zrem(`${base}:${state}`, ...jobIds);
    for (const id of jobIds) pipeline.del(`${base}:${id}`, `${base}:${id}:logs`);
    await this.wrap(() => pipeline.exec());
  }

  /** The list of collected jobs kept for bull-board in one finished state, newest first. */
  private keptKey(state: 'completed' | 'failed'): string {
    return `${this.prefix}:${QueueName.Runs}-kept:${state}`;
  }

  /** Kept (collected) finished jobs, by state. */
  private async keptJobs(): Promise<Record<'completed' | 'failed', string[]>> {
    if (this.keptFinishedJobs <= 0) return { completed: [], failed: [] };
    const results = await this.wrap(() =>
      this.redis.pipeline().lrange(this.keptKey('completed'), 0, -1).lrange(this.keptKey('failed'), 0, -1).exec(),
    );
    const list = (i: number): string[] => {
      const [error, ids] = results?.[i] ?? [null, []];
      if (error) throw new ControlPlaneError('Unavailable', `Redis is unavailable: ${error.message}`, [], { cause: error });
      return ids as string[];
    };
    return { completed: list(0), failed: list(1) };
  }

  /**
   * Removes the kept finished jobs among `jobIds` (from bull-board's history and from BullMQ): for runs
   * re-added under the same id, and for the runs of a deleted ScalingLaw or ComputeBudget, whose history
   * must not outlive it.
   */
  async removeKept(jobIds: readonly string[]): Promise<void> {
    const kept = await this.keptJobs();
    for (const state of ['completed', 'failed'] as const) {
      const stale = jobIds.filter((id) => kept[state].includes(id));
      if (stale.length === 0) continue;
      const pipeline = this.redis.pipeline();
      for (const id of stale) pipeline.lrem(this.keptKey(state), 0, id);
      await this.wrap(() => pipeline.exec());
      await this.removeFinishedJobs(state, stale);
    }
  }

  /** Which of these job ids exist in the queue as jobs still to run or to collect (kept history does not count). */
  async existing(jobIds: readonly string[]): Promise<Set<string>> {
    if (jobIds.length === 0) return new Set();
    const kept = await this.keptJobs();
    const history = new Set([...kept.completed, ...kept.failed]);
    const pipeline = this.redis.pipeline();
    for (const id of jobIds) pipeline.exists(`${this.prefix}:${QueueName.Runs}:${id}`);
    const results = await this.wrap(() => pipeline.exec());
    return new Set(jobIds.filter((id, i) => results?.[i]?.[1] === 1 && !history.has(id)));
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

  /** Queue depth by state; completed and failed leave out the collected jobs kept for bull-board. */
  async depth(): Promise<QueueDepth> {
    const counts = await this.wrap(() => this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'));
    const kept = await this.keptJobs();
    const present = async (state: 'completed' | 'failed'): Promise<number> => {
      if (kept[state].length === 0) return 0;
      // Kept ids whose job is still in the finished set (an operator may have cleaned some away).
      const scores = await this.wrap(() => this.redis.zmscore(`${this.prefix}:${QueueName.Runs}:${state}`, ...kept[state]));
      return scores.filter((score) => score !== null).length;
    };
    return {
      waiting: counts.waiting ?? 0,
      prioritized: counts.prioritized ?? 0,
      delayed: counts.delayed ?? 0,
      active: counts.active ?? 0,
      completed: Math.max(0, (counts.completed ?? 0) - (await present('completed'))),
      failed: Math.max(0, (counts.failed ?? 0) - (await present('failed'))),
    };
  }

  /** Work for the dispatcher: everything that still needs a worker. */
  async demand(): Promise<WorkDemand> {
    const counts = await this.wrap(() => this.queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active'));
    return { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0), active: counts.active ?? 0 };
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
