import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { TrainingResult } from './training.types.js';
import { evaluationSteps, heldOutLoss, Trainer, TrainingInterruptedError } from './trainer.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'scaleplan-trainer-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const spec = { runId: 'unit', params: 1e4, tokens: 24_000, seed: 3 };
/** Small evaluations keep this file fast; the defaults are 128 and 1024 held-out sequences. */
const quick = { evalSequences: 32, finalEvalSequences: 64 } as const;

describe('evaluationSteps', () => {
  it('is log-spaced and always ends at the last step', () => {
    expect([...evaluationSteps(1000)].sort((a, b) => a - b)).toEqual([1, 3, 7, 19, 52, 139, 373, 1000]);
    expect([...evaluationSteps(1)]).toEqual([1]);
  });
});

describe('heldOutLoss', () => {
  it('is the token-weighted mean with the standard error of the batch means', () => {
    // Batch means 2, 3, 4 over equal batches: mean 3, sample sd 1, SE 1/√3.
    const result = heldOutLoss([200, 300, 400], [100, 100, 100]);
    expect(result.mean).toBeCloseTo(3, 12);
    expect(result.standardError).toBeCloseTo(1 / Math.sqrt(3), 12);
    expect(result.tokens).toBe(300);
    expect(heldOutLoss([50], [20]).standardError).toBeUndefined();
  });
});

describe('Trainer', () => {
  let reference: TrainingResult;

  it('trains exactly D tokens (last batch partial) and reports train and eval points with tokens and FLOPs', async () => {
    reference = await new Trainer({ ...quick, backend: 'wasm' }).train(spec);
    expect(reference.status).toBe('completed');
    expect(reference.backend).toBe('wasm');
    expect(reference.tokens).toBe(24_000);
    expect(reference.curve.at(-1)).toMatchObject({ step: 94, tokens: 24_000, evalLoss: reference.finalLoss }); // recipe 3: 256-token steps (a short run);
    expect(reference.flops).toBe(reference.curve.at(-1)!.flops);
    expect(reference.curve.filter((p) => p.evalLoss !== undefined).length).toBeGreaterThanOrEqual(5);
    expect(reference.curve.every((p) => p.trainLoss !== undefined)).toBe(true);
    expect(reference.finalLoss!).toBeLessThan(reference.curve[0]!.evalLoss!);
    expect(Math.abs(reference.params - 1e4) / 1e4).toBeLessThan(0.02);
    expect(reference.repetitionFactor).toBeCloseTo(24_000 / 1_144_000, 3);
    expect(reference.evalTokens).toBe(64 * 64);
    expect(reference.finalLossStdError).toBeGreaterThan(0);
    expect(reference.finalLossStdError!).toBeLessThan(0.1 * reference.finalLoss!);
  });

  it('takes its batch size from batchSequences when given (bench:seeds probes), else from the recipe', async () => {
    // 24,000 tokens: 12 steps of the recipe's 32 × 64 = 2,048 tokens; 24 steps of 16 × 64.
    const halved = await new Trainer({ ...quick, backend: 'wasm', batchSequences: 16 }).train(spec);
    expect(halved.status).toBe('completed');
    expect(halved.tokens).toBe(24_000);
    expect(halved.curve.at(-1)!.step).toBe(24);
  });

  it('is bit-identical for the same seed, and a stopped run resumes exactly from its checkpoint', async () => {
    const dir = tempDir();
    await expect(new Trainer({ ...quick, backend: 'wasm', checkpointDir: dir, stopAfterSteps: 5 }).train(spec)).rejects.toBeInstanceOf(
      TrainingInterruptedError,
    );
    expect(readdirSync(dir)).toContain('checkpoint.bin');
    const resumed = await new Trainer({ ...quick, backend: 'wasm', checkpointDir: dir }).train(spec);
    expect(resumed.resumedFromStep).toBe(5);
    expect(resumed.finalLoss).toBe(reference.finalLoss);
    expect(resumed.curve).toEqual(reference.curve);
    expect(existsSync(dir)).toBe(false); // removed once the run finished
  });

  it('keeps a finished result on request and returns it when the same run is asked for again', async () => {
    const dir = tempDir();
    const first = await new Trainer({ ...quick, backend: 'wasm', checkpointDir: dir, keepFinishedResult: true }).train({
      ...spec,
      tokens: 4096,
    });
    expect(readdirSync(dir)).toEqual(['result.json']);
    const again = await new Trainer({ ...quick, backend: 'wasm', checkpointDir: dir, keepFinishedResult: true }).train({
      ...spec,
      tokens: 4096,
    });
    expect(again).toEqual(first);
  });

  it('checkpoints and stops when its signal is aborted', async () => {
    const dir = tempDir();
    const controller = new AbortController();
    const trainer = new Trainer({
      ...quick,
      backend: 'wasm',
      checkpointDir: dir,
      signal: controller.signal,
      onProgress: (e) => (e.step >= 3 ? controller.abort() : undefined),
    });
    const error = await trainer.train(spec).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrainingInterruptedError);
    expect((error as TrainingInterruptedError).step).toBe(3);
    expect(readdirSync(dir)).toContain('checkpoint.bin');
  });

  it('reports divergence with its step and no loss when the learning rate blows up', async () => {
    const result = await new Trainer({ ...quick, backend: 'wasm', peakLearningRate: 50 }).train(spec);
    expect(result.status).toBe('diverged');
    expect(result.divergedAtStep).toBeGreaterThan(0);
    expect(result.divergenceReason).toMatch(/loss|gradient norm/);
    expect(result.finalLoss).toBeUndefined();
    expect(result.curve.every((p) => Number.isFinite(p.trainLoss ?? 0) && Number.isFinite(p.evalLoss ?? 0))).toBe(true);
  });

  it('refuses D smaller than one batch and unknown corpora before loading anything heavy', async () => {
    await expect(new Trainer({ ...quick, backend: 'wasm' }).train({ ...spec, tokens: 100 })).rejects.toThrow(
      /tokens 100 is smaller than one batch \(256 tokens/,
    );
    await expect(new Trainer({ ...quick, backend: 'wasm' }).train({ ...spec, corpus: 'nope' })).rejects.toThrow(/unknown corpus "nope"/);
  });

  it('keeps the tensor count flat over a long-ish loop', async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await new Trainer({ ...quick, backend: 'wasm', onProgress: () => void counts.push(tf.memory().numTensors) }).train({
      ...spec,
      tokens: 40 * 2048,
    });
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
