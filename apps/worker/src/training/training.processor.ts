import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { trainRunSchema, type TrainingOutcome, type TrainingProgress } from '@scaleplan/contracts';
import {
  checkpointDirFor,
  isPermanentLanguageModelError,
  loadTrainer,
  removeCheckpoint,
  simulateRun,
  type TrainingResult,
} from '@scaleplan/language-model';
import type { WorkerConfig } from '../config/worker.config.js';
import { CorpusRefusedError, resolveCorpusForWorker } from './corpus-access.js';
import { UNKNOWN_CANCEL_REASON, type RunCancellations } from './run-cancellations.js';

const describeIssues = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string =>
  issues.map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(payload)'}: ${issue.message}`).join('; ');

/**
 * Runs one `TrainRun` job: validate, then simulate or train. Thin by design: the Trainer (no BullMQ) does
 * the work; this class maps its outcomes onto BullMQ semantics.
 */
export class TrainingProcessor {
  private abort: AbortController | undefined;
  private stopping = false;

  constructor(
    private readonly config: WorkerConfig,
    private readonly log: Logger,
    private readonly cancellations?: RunCancellations,
  ) {}

  private checkpointDirOf(job: Job): string {
    return checkpointDirFor(this.config.checkpointDir, String(job.id));
  }

  /** Called once BullMQ has recorded the job as completed or finally failed: its checkpoint is no longer needed. */
  release(job: Job): void {
    removeCheckpoint(this.checkpointDirOf(job));
    // A marker set while the run was finishing must not cancel a later job with the same (deterministic) id.
    void this.cancellations?.acknowledge(String(job.id), { announcedOnly: isSimulated(job) }).catch(() => undefined);
  }

  /** SIGTERM: the running job checkpoints at its next step and goes back to the queue. */
  stop(): void {
    this.stopping = true;
    this.abort?.abort();
  }

  /**
   * @param cancel BullMQ's per-job signal, aborted by `worker.cancelJob(jobId, reason)` when the control plane
   *   cancels the run (its owner was deleted): the run stops at its next step and fails for good.
   */
  async process(job: Job, token?: string, cancel?: AbortSignal): Promise<TrainingOutcome> {
    // Cancelled while queued but picked before the control plane saw it active, or the message came before this job was tracked.
    // Simulated runs cost nothing to run: they take the answer without a round trip (see RedisRunCancellations).
    const cancelledBefore = await this.cancellations?.reasonFor(String(job.id), { announcedOnly: isSimulated(job) }).catch(() => undefined); // Redis trouble: the message still stops it
    if (cancelledBefore !== undefined) return this.cancelled(job, cancelledBefore);
    const parsed = trainRunSchema.safeParse(job.data);
    if (!parsed.success) {
      this.log.warn({ jobId: job.id, reason: describeIssues(parsed.error.issues) }, 'Rejected TrainRun job');
      throw new UnrecoverableError(`Rejected job ${job.id}: ${describeIssues(parsed.error.issues)}`);
    }
    const run = parsed.data;
    try {
      // A simulated run without a duration is synchronous (microseconds): nothing can interrupt it midway,
      // so it needs no abort signal, only the checks before and after.
      const instant = run.simulate !== undefined && run.simulate.durationMs <= 0;
      let result: TrainingResult;
      if (instant) {
        if (this.stopping) throw new Interrupted();
        result = simulateRun(run, run.simulate!);
        if (this.stopping) throw new Interrupted();
      } else {
        this.abort = new AbortController();
        const signal = cancel ? AbortSignal.any([this.abort.signal, cancel]) : this.abort.signal;
        if (this.stopping) this.abort.abort();
        result = run.simulate ? await this.simulate(run, signal) : await this.train(job, run, signal);
      }
      // Cancelled during the final evaluation: the owner is gone, so the result is not wanted either.
      if (cancel?.aborted) return await this.cancelled(job, cancelReason(cancel));
      // Simulated runs finish thousands a second: their line is at debug, real runs' at info.
      this.log[result.simulated ? 'debug' : 'info'](
        {
          jobId: job.id,
          runId: run.runId,
          status: result.status,
          finalLoss: result.finalLoss,
          simulated: result.simulated,
          backend: result.backend,
        },
        'Finished TrainRun job',
      );
      return result;
    } catch (error) {
      if (cancel?.aborted && !(error instanceof UnrecoverableError)) return await this.cancelled(job, cancelReason(cancel));
      if (error instanceof Interrupted || (error instanceof Error && error.name === 'TrainingInterruptedError')) {
        // Back to the wait list with its checkpoint: another worker (or this one after a restart) resumes it.
        await job.moveToWait(token);
        this.log.info({ jobId: job.id, runId: run.runId }, 'Returned TrainRun job to the queue');
        throw new WaitingError();
      }
      if (isPermanentLanguageModelError(error) || error instanceof CorpusRefusedError) {
        this.log.warn({ jobId: job.id, runId: run.runId, reason: error.message }, 'Rejected TrainRun job');
        throw new UnrecoverableError(`Rejected job ${job.id}: ${error.message}`);
      }
      throw error;
    } finally {
      this.abort = undefined;
    }
  }

  /** Fails the job for good (no retry can help: its owner is gone) and drops its checkpoint. */
  private async cancelled(job: Job, reason: string): Promise<never> {
    removeCheckpoint(this.checkpointDirOf(job));
    await this.cancellations?.acknowledge(String(job.id)).catch(() => undefined);
    this.log.info({ jobId: job.id, reason }, 'Cancelled TrainRun job');
    throw new UnrecoverableError(`run cancelled: ${reason}`);
  }

  private async simulate(run: ReturnType<typeof trainRunSchema.parse>, signal: AbortSignal): Promise<TrainingResult> {
    const result = simulateRun(run, run.simulate!);
    const durationMs = run.simulate!.durationMs;
    if (durationMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, durationMs);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            reject(new Interrupted());
          },
          { once: true },
        );
      });
      result.wallSeconds = durationMs / 1000;
    }
    if (signal.aborted) throw new Interrupted();
    return result;
  }

  private async train(job: Job, run: ReturnType<typeof trainRunSchema.parse>, signal: AbortSignal): Promise<TrainingResult> {
    // Before anything is opened: a built-in corpus, or a file confined to the data directory.
    const corpus = resolveCorpusForWorker(run.corpus, this.config.dataDir);
    const { Trainer } = await loadTrainer();
    this.log.info({ jobId: job.id, runId: run.runId, params: run.params, tokens: run.tokens, corpus: run.corpus }, 'Started TrainRun job');
    const trainer = new Trainer({
      backend: this.config.backend,
      checkpointDir: this.checkpointDirOf(job),
      keepFinishedResult: true,
      signal,
      onProgress: async (event) => {
        const progress: TrainingProgress = event;
        await job.updateProgress(progress);
      },
      onLog: (fields, message) => this.log.info({ jobId: job.id, ...fields }, message),
    });
    return trainer.train({ ...run, corpus });
  }
}

/** A job whose payload asks for a simulated run (checked before the payload is validated). */
const isSimulated = (job: Job): boolean =>
  typeof job.data === 'object' && job.data !== null && (job.data as { simulate?: unknown }).simulate != null;

const cancelReason = (signal: AbortSignal): string =>
  typeof signal.reason === 'string' && signal.reason !== '' ? signal.reason : UNKNOWN_CANCEL_REASON;

/** A simulated run stopped by SIGTERM or a cancellation. */
class Interrupted extends Error {
  override readonly name = 'Interrupted';
}
