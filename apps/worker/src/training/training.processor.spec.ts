import { mkdtempSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { checkpointDirFor } from '@scaleplan/language-model';
import { loadWorkerConfig } from '../config/worker.config.js';
import type { RunCancellations } from './run-cancellations.js';
import { TrainingProcessor } from './training.processor.js';

const checkpointRoot = mkdtempSync(join(tmpdir(), 'scaleplan-processor-spec-'));
afterAll(() => rmSync(checkpointRoot, { recursive: true, force: true }));

const config = loadWorkerConfig({ SCALEPLAN_CHECKPOINT_DIR: checkpointRoot });
const law = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };

/** A simulated run that takes `durationMs` of wall time (no TensorFlow.js). */
function fakeJob(id: string, durationMs: number): Job & { moveToWait: ReturnType<typeof vi.fn> } {
  const data = {
    owner: { namespace: 'ns', name: 'law' },
    runId: id,
    kind: 'sweep',
    params: 1e5,
    tokens: 2e6,
    seed: 1,
    simulate: { law, noise: 0, durationMs },
  };
  return {
    id: `ns/law/${id}`,
    data,
    moveToWait: vi.fn(async () => undefined),
    updateProgress: vi.fn(async () => undefined),
  } as unknown as Job & { moveToWait: ReturnType<typeof vi.fn> };
}

function fakeCancellations(markers: Record<string, string> = {}): RunCancellations & { acknowledged: string[] } {
  const acknowledged: string[] = [];
  return {
    acknowledged,
    reasonFor: async (jobId) => markers[jobId],
    acknowledge: async (jobId) => {
      acknowledged.push(jobId);
      delete markers[jobId];
    },
  };
}

describe('TrainingProcessor cancellation', () => {
  const log = pino({ level: 'silent' });

  it('fails a job whose cancellation marker exists when it starts, without running it, and drops its checkpoint', async () => {
    const job = fakeJob('marked', 60_000);
    const checkpoint = checkpointDirFor(checkpointRoot, String(job.id));
    mkdirSync(checkpoint, { recursive: true }); // left by an earlier attempt
    const cancellations = fakeCancellations({ [String(job.id)]: 'ScalingLaw ns/law was deleted' });
    const processor = new TrainingProcessor(config, log, cancellations);
    const error = await processor.process(job, 'token').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('run cancelled: ScalingLaw ns/law was deleted');
    expect(cancellations.acknowledged).toEqual([job.id]);
    expect(existsSync(checkpoint)).toBe(false);
    expect(job.moveToWait).not.toHaveBeenCalled();
  });

  it('stops a running job when BullMQ aborts its signal (worker.cancelJob) and fails it for good with the reason', async () => {
    const job = fakeJob('running', 60_000);
    const cancellations = fakeCancellations();
    const processor = new TrainingProcessor(config, log, cancellations);
    const cancel = new AbortController();
    const started = Date.now();
    const outcome = processor.process(job, 'token', cancel.signal).catch((e: unknown) => e);
    setTimeout(() => cancel.abort('ComputeBudget ns/b was deleted'), 50);
    const error = await outcome;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toBe('run cancelled: ComputeBudget ns/b was deleted');
    expect(job.moveToWait).not.toHaveBeenCalled();
    expect(cancellations.acknowledged).toEqual([job.id]);
  });

  it('still hands a job back to the queue on SIGTERM (stop), which is not a cancellation', async () => {
    const job = fakeJob('sigterm', 60_000);
    const processor = new TrainingProcessor(config, log, fakeCancellations());
    const outcome = processor.process(job, 'token', new AbortController().signal).catch((e: unknown) => e);
    setTimeout(() => processor.stop(), 50);
    expect(await outcome).toBeInstanceOf(WaitingError);
    expect(job.moveToWait).toHaveBeenCalledWith('token');
  });

  it('completes a job nobody cancelled', async () => {
    const job = fakeJob('plain', 10);
    const processor = new TrainingProcessor(config, log, fakeCancellations());
    const outcome = await processor.process(job, 'token', new AbortController().signal);
    expect(outcome).toMatchObject({ simulated: true, status: 'completed' });
  });
});
