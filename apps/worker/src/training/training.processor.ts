import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { trainRunSchema, type TrainingOutcome, type TrainingProgress } from '@scaleplan/contracts';
import { checkpointDirFor, isPermanentLanguageModelError, loadTrainer, removeCheckpoint, simulateRun, type TrainingResult } from '@scaleplan/language-model';
import type { WorkerConfig } from '../config/worker.config.js';

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
  ) {}

  private checkpointDirOf(job: Job): string {
    return checkpointDirFor(this.config.checkpointDir, String(job.id));
  }

  /** Called once BullMQ has recorded the job as completed or finally failed: its checkpoint is no longer needed. */
  release(job: Job): void {
    removeCheckpoint(this.checkpointDirOf(job));
  }

  /** SIGTERM: the running job checkpoints at its next step and goes back to the queue. */
  stop(): void {
    this.stopping = true;
    this.abort?.abort();
  }

  async process(job: Job, token?: string): Promise<TrainingOutcome> {
    const parsed = trainRunSchema.safeParse(job.data);
    if (!parsed.success) {
      this.log.warn({ jobId: job.id, reason: describeIssues(parsed.error.issues) }, 'Rejected TrainRun job');
      throw new UnrecoverableError(`Rejected job ${job.id}: ${describeIssues(parsed.error.issues)}`);
    }
    const run = parsed.data;
    this.abort = new AbortController();
    const { signal } = this.abort;
    if (this.stopping) this.abort.abort();
    try {
      const result = run.simulate ? await this.simulate(run, signal) : await this.train(job, run, signal);
      this.log.info({ jobId: job.id, runId: run.runId, status: result.status, finalLoss: result.finalLoss, simulated: result.simulated, backend: result.backend }, 'Finished TrainRun job');
      return result;
    } catch (error) {
      if (error instanceof Interrupted || (error instanceof Error && error.name === 'TrainingInterruptedError')) {
        // Back to the wait list with its checkpoint: another worker (or this one after a restart) resumes it.
        await job.moveToWait(token);
        this.log.info({ jobId: job.id, runId: run.runId }, 'Returned TrainRun job to the queue');
        throw new WaitingError();
      }
      if (isPermanentLanguageModelError(error)) {
        this.log.warn({ jobId: job.id, runId: run.runId, reason: error.message }, 'Rejected TrainRun job');
        throw new UnrecoverableError(`Rejected job ${job.id}: ${error.message}`);
      }
      throw error;
    } finally {
      this.abort = undefined;
    }
  }

  private async simulate(run: ReturnType<typeof trainRunSchema.parse>, signal: AbortSignal): Promise<TrainingResult> {
    const result = simulateRun(run, run.simulate!);
    const durationMs = run.simulate!.durationMs;
    if (durationMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, durationMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Interrupted());
        }, { once: true });
      });
      result.wallSeconds = durationMs / 1000;
    }
    if (signal.aborted) throw new Interrupted();
    return result;
  }

  private async train(job: Job, run: ReturnType<typeof trainRunSchema.parse>, signal: AbortSignal): Promise<TrainingResult> {
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
    return trainer.train(run);
  }
}

/** A simulated run stopped by SIGTERM. */
class Interrupted extends Error {
  override readonly name = 'Interrupted';
}
