import {
  isTerminalRunState,
  ResourceKind,
  RunKind,
  RunOutcomeStatus,
  RunState,
  trainingJobId,
  trainingOutcomeSchema,
  trainingProgressSchema,
  trainRunSchema,
  type LossPoint,
  type ObjectRef,
  type RunRecord,
} from '@scaleplan/contracts';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { ControlPlaneEvents } from '../events/control-plane-events.js';
import type { EventBus } from '../events/event-bus.js';
import type { FinishedJob, RunQueue } from './run-queue.js';
import type { RunOwnerKind, RunStore } from './run-store.js';

/** Whose run a job trains, from its payload's `kind`: final runs belong to a ComputeBudget, sweep runs to a ScalingLaw. */
export function ownerKindOfJob(data: unknown): RunOwnerKind | undefined {
  const kind = typeof data === 'object' && data !== null ? (data as { kind?: unknown }).kind : undefined;
  if (kind === RunKind.Final) return ResourceKind.ComputeBudget;
  if (kind === RunKind.Sweep) return ResourceKind.ScalingLaw;
  return undefined;
}

/** `namespace/name/runId` → parts (job ids are `trainingJobId`). */
export function parseJobId(jobId: string): { owner: ObjectRef; runId: string } | undefined {
  const parts = jobId.split('/');
  if (parts.length !== 3 || parts.some((p) => !p)) return undefined;
  return { owner: { namespace: parts[0] as string, name: parts[1] as string }, runId: parts[2] as string };
}

/** Owner and run id from a job's payload (for a job whose id is not `namespace/name/runId`). */
function idsFromPayload(data: unknown): { owner: ObjectRef; runId: string } | undefined {
  const parsed = trainRunSchema.safeParse(data);
  return parsed.success ? { owner: parsed.data.owner, runId: parsed.data.runId } : undefined;
}

const BATCH = 500;
const PROGRESS_WRITE_INTERVAL_MS = 1000;

/**
 * Stores run results exactly once. Finished jobs stay in BullMQ's completed/failed sets until this
 * collector has written them to the run store, so a control-plane restart loses nothing; a result
 * for a run that is already terminal (a duplicate completion) or whose owner is gone is dropped.
 * The collector polls (no QueueEvents stream to fall behind or miss while the control plane is down).
 * It announces stored results as `RunsFinished` and started or progressing runs as `RunsProgressed`.
 */
export class ResultCollector {
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly lastProgressWrite = new Map<string, number>();

  constructor(
    private readonly queue: RunQueue,
    private readonly runs: RunStore,
    private readonly events: ControlPlaneEvents,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  /**
   * Starts polling: finished jobs are collected in batches, and active jobs are read for the running
   * state and the latest progress (level-based: nothing depends on catching a transient event).
   * Polls every `busyPollMs` while runs are in flight, every `idlePollMs` otherwise.
   */
  start(busyPollMs = 100, idlePollMs = 1000): void {
    const loop = (): void => {
      if (this.closed) return;
      this.kick();
      void this.drain().then(() => {
        if (this.closed) return;
        this.timer = setTimeout(loop, this.busy ? busyPollMs : idlePollMs);
        this.timer.unref();
      });
    };
    loop();
  }

  /** Runs the pump now (or once more after the current pass). */
  kick(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pumpLoop().finally(() => {
      this.pumping = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Waits for the current pump pass (tests, shutdown). */
  async drain(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  /** True when the last pass saw active jobs or results (poll fast). */
  private busy = false;

  private async pumpLoop(): Promise<void> {
    try {
      let handled = 0;
      for (;;) {
        if (this.closed) return;
        const batch = (await this.collect('completed')) + (await this.collect('failed'));
        handled += batch;
        if (batch === 0) break;
      }
      const active = await this.queue.active();
      for (const job of active) await this.observeActive(job);
      const activeIds = new Set(active.map((job) => job.id as string));
      // Jobs that stopped being active without a result here (cancelled, removed) leave no entry behind.
      for (const jobId of this.lastProgressStep.keys()) if (!activeIds.has(jobId)) this.lastProgressStep.delete(jobId);
      for (const jobId of this.lastProgressWrite.keys()) if (!activeIds.has(jobId)) this.lastProgressWrite.delete(jobId);
      this.busy = handled > 0 || active.length > 0;
    } catch (error) {
      this.busy = false;
      this.log.debug({ err: error }, 'Failed to collect run results');
    }
  }

  /** One batch of finished jobs of one state; returns how many jobs it handled. */
  private async collect(state: 'completed' | 'failed'): Promise<number> {
    const jobs = await this.queue.finished(state, BATCH);
    if (jobs.length === 0) return 0;
    const byOwner = new Map<string, { kind: RunOwnerKind; owner: ObjectRef; jobs: Map<string, FinishedJob> }>();
    for (const job of jobs) {
      // Job ids are `trainingJobId(owner, runId)` (the only producer sets them); the payload is parsed only for an id that is not.
      const ids = parseJobId(job.id) ?? idsFromPayload(job.data);
      const kind = ownerKindOfJob(job.data);
      if (!ids || !kind) continue;
      const key = `${kind}:${ids.owner.namespace}/${ids.owner.name}`;
      const group = byOwner.get(key) ?? { kind, owner: ids.owner, jobs: new Map<string, FinishedJob>() };
      group.jobs.set(ids.runId, job);
      byOwner.set(key, group);
      this.lastProgressWrite.delete(job.id);
      this.lastProgressStep.delete(job.id);
    }
    const finishedAt = new Date().toISOString();
    const changedByOwner: { kind: RunOwnerKind; owner: ObjectRef; records: RunRecord[] }[] = [];
    for (const group of byOwner.values()) {
      const curves = new Map<string, LossPoint[]>();
      for (const [runId, job] of group.jobs) {
        if (state === 'completed') curves.set(runId, (job.returnvalue as { curve?: LossPoint[] } | null)?.curve ?? []);
      }
      // Compare-and-set: a run already terminal (duplicate completion) or gone (owner deleted) is left alone.
      const changed = await this.runs.update(
        group.kind,
        group.owner,
        [...group.jobs.keys()],
        (current) => {
          if (isTerminalRunState(current.state)) return undefined;
          const job = group.jobs.get(current.runId) as FinishedJob;
          return state === 'completed' ? this.completedRecord(current, job, finishedAt) : this.failedRecord(current, job, finishedAt);
        },
        curves,
      );
      if (changed.length > 0) changedByOwner.push({ kind: group.kind, owner: group.owner, records: changed });
    }
    // Retire only after the results are stored: a crash in between re-collects them, and the run is terminal by then.
    await this.queue.retireFinishedJobs(
      state,
      jobs.map((job) => job.id),
    );
    for (const group of changedByOwner) {
      this.events.publish({ type: 'RunsFinished', ownerKind: group.kind, owner: group.owner, runs: group.records });
      if (group.records.length <= 20) {
        for (const r of group.records) {
          this.bus.publish({
            type: 'run',
            ownerKind: group.kind,
            namespace: group.owner.namespace,
            name: group.owner.name,
            runId: r.runId,
            state: r.state,
            progress: 1,
            ...(r.outcome?.finalLoss !== undefined ? { loss: r.outcome.finalLoss } : {}),
          });
        }
      }
    }
    return jobs.length;
  }

  private completedRecord(record: RunRecord, job: FinishedJob, finishedAt: string): RunRecord {
    const parsed = trainingOutcomeSchema.safeParse(job.returnvalue);
    const attempts = job.attemptsStarted ?? job.attemptsMade;
    if (!parsed.success) {
      return {
        ...record,
        state: RunState.Failed,
        attempts,
        finishedAt,
        error: `the worker returned an invalid outcome: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      };
    }
    const outcome = parsed.data;
    if (outcome.status === RunOutcomeStatus.Diverged || outcome.finalLoss === undefined || !Number.isFinite(outcome.finalLoss)) {
      return {
        ...record,
        state: RunState.Diverged,
        attempts,
        finishedAt,
        outcome,
        simulated: outcome.simulated,
        error: `diverged${outcome.divergedAtStep !== undefined ? ` at step ${outcome.divergedAtStep}` : ''}: ${outcome.divergenceReason ?? 'non-finite loss'}; excluded from the fits`,
      };
    }
    return { ...record, state: RunState.Succeeded, attempts, finishedAt, outcome, simulated: outcome.simulated, progress: undefined };
  }

  private failedRecord(record: RunRecord, job: FinishedJob, finishedAt: string): RunRecord {
    return {
      ...record,
      state: RunState.Failed,
      attempts: job.attemptsStarted ?? job.attemptsMade,
      finishedAt,
      error: job.failedReason || 'failed without a reason',
    };
  }

  private readonly lastProgressStep = new Map<string, number>();

  /** An active job: its run is running, with the latest progress the worker reported. */
  private async observeActive(job: Job): Promise<void> {
    const jobId = job.id as string;
    const ids = parseJobId(jobId);
    const kind = ownerKindOfJob(job.data);
    if (!ids || !kind) return;
    const parsed = trainingProgressSchema.safeParse(job.progress);
    const progress = parsed.success ? parsed.data : undefined;
    const step = progress?.step ?? -1;
    const known = this.lastProgressStep.get(jobId);
    if (known === step) return;
    this.lastProgressStep.set(jobId, step);
    const startedAt = new Date(job.processedOn ?? Date.now()).toISOString();
    const attempts = job.attemptsStarted ?? job.attemptsMade + 1;
    const now = Date.now();
    // Progress is written to Redis at most once a second per run; in between it lives in memory.
    const persist = progress !== undefined && now - (this.lastProgressWrite.get(jobId) ?? 0) >= PROGRESS_WRITE_INTERVAL_MS;
    if (persist) this.lastProgressWrite.set(jobId, now);
    const changed = await this.runs.update(
      kind,
      ids.owner,
      [ids.runId],
      (current) =>
        isTerminalRunState(current.state)
          ? undefined
          : {
              ...current,
              state: RunState.Running,
              startedAt: current.startedAt ?? startedAt,
              attempts: Math.max(current.attempts, attempts),
              ...(progress ? { progress } : {}),
            },
      new Map(),
      { persist },
    );
    if (changed.length === 0) return;
    const fraction = progress && progress.totalSteps > 0 ? progress.step / progress.totalSteps : 0;
    const loss = progress?.point?.evalLoss ?? progress?.point?.trainLoss;
    this.bus.publish({
      type: 'run',
      ownerKind: kind,
      namespace: ids.owner.namespace,
      name: ids.owner.name,
      runId: ids.runId,
      state: 'running',
      progress: fraction,
      ...(loss !== undefined ? { loss } : {}),
    });
    this.ownerTouched(kind, ids.owner);
  }

  private readonly touched = new Map<string, { kind: RunOwnerKind; owner: ObjectRef }>();
  private touchTimer: NodeJS.Timeout | undefined;

  /**
   * Runs that start or report progress change only the counts in a status: their owners are
   * reconciled at most every 250 ms (a burst of short runs would otherwise reconcile once per job).
   */
  private ownerTouched(kind: RunOwnerKind, owner: ObjectRef): void {
    this.touched.set(`${kind}:${owner.namespace}/${owner.name}`, { kind, owner });
    if (this.touchTimer || this.closed) return;
    this.touchTimer = setTimeout(() => {
      this.touchTimer = undefined;
      const owners = [...this.touched.values()];
      this.touched.clear();
      for (const { kind: k, owner: o } of owners) this.events.publish({ type: 'RunsProgressed', ownerKind: k, owner: o });
    }, 250);
    this.touchTimer.unref();
  }

  /** Job ids in the store that BullMQ no longer has (lost jobs): re-queued by the reconcilers. */
  async lostJobs(records: readonly RunRecord[]): Promise<RunRecord[]> {
    const live = records.filter((r) => r.state === RunState.Queued || r.state === RunState.Running);
    if (live.length === 0) return [];
    const existing = await this.queue.existing(live.map((r) => trainingJobId(r.owner, r.runId)));
    return live.filter((r) => !existing.has(trainingJobId(r.owner, r.runId)));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.touchTimer) clearTimeout(this.touchTimer);
    await this.drain();
  }
}
