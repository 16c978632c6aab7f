import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, type Job } from 'bullmq';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadWorkerConfig } from '../config/worker.config.js';
import { CorpusRefusedError, resolveCorpusForWorker } from './corpus-access.js';

const loadTrainer = vi.hoisted(() => vi.fn());
vi.mock('@scaleplan/language-model', async (original) => ({ ...(await original<object>()), loadTrainer }));
const { TrainingProcessor } = await import('./training.processor.js');

const root = mkdtempSync(join(tmpdir(), 'scaleplan-corpus-access-'));
const dataDir = join(root, 'data');
mkdirSync(join(dataDir, 'books'), { recursive: true });
writeFileSync(join(dataDir, 'books', 'a.txt'), 'text');
writeFileSync(join(root, 'secret.txt'), 'outside');
symlinkSync(join(root, 'secret.txt'), join(dataDir, 'escape.txt'));
symlinkSync(root, join(dataDir, 'escape-dir'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveCorpusForWorker', () => {
  it('passes built-in corpora through and confines files to the data directory', () => {
    expect(resolveCorpusForWorker('moby-dick', undefined)).toBe('moby-dick');
    expect(resolveCorpusForWorker('books/a.txt', dataDir)).toMatch(/data\/books\/a\.txt$/);
    expect(resolveCorpusForWorker('books', dataDir)).toMatch(/data\/books$/);
  });

  it.each([
    ['/etc/passwd', /absolute path/],
    ['../secret.txt', /leaves the data directory/],
    ['books/../../secret.txt', /leaves the data directory/],
    ['.hidden', /not a plain relative path/],
    ['C:\\corpus.txt', /absolute path/],
  ])('refuses %s by its name, before the filesystem is touched', (reference, reason) => {
    expect(() => resolveCorpusForWorker(reference, dataDir)).toThrow(CorpusRefusedError);
    expect(() => resolveCorpusForWorker(reference, dataDir)).toThrow(reason);
  });

  it.each(['escape.txt', 'escape-dir/secret.txt'])('refuses %s, a symbolic link out of the data directory', (reference) => {
    expect(() => resolveCorpusForWorker(reference, dataDir)).toThrow(/leads outside the data directory/);
  });

  it('says what to set when the worker has no data directory, and when the file is missing', () => {
    expect(() => resolveCorpusForWorker('books/a.txt', undefined)).toThrow(/set SCALEPLAN_DATA_DIR/);
    expect(() => resolveCorpusForWorker('books/none.txt', dataDir)).toThrow(/does not exist in the data directory/);
    expect(() => resolveCorpusForWorker('books/a.txt', join(root, 'missing'))).toThrow(/SCALEPLAN_DATA_DIR=.*cannot be read/);
  });
});

describe('TrainingProcessor corpus check', () => {
  const job = (corpus: string): Job =>
    ({
      id: `ns/law/${corpus.length}`,
      data: { owner: { namespace: 'ns', name: 'law' }, runId: 'r1', kind: 'sweep', params: 1e4, tokens: 1e5, corpus },
      updateProgress: vi.fn(),
    }) as unknown as Job;
  const processor = new TrainingProcessor(
    loadWorkerConfig({ SCALEPLAN_CHECKPOINT_DIR: join(root, 'checkpoints'), SCALEPLAN_DATA_DIR: dataDir }),
    pino({ level: 'silent' }),
  );

  it.each([
    ['/etc/passwd', /Rejected job .*corpus: corpus "\/etc\/passwd" is an absolute path/],
    ['../secret.txt', /Rejected job .*leaves the data directory/],
    ['escape.txt', /Rejected job .*leads outside the data directory/],
  ])('fails a job naming %s for good, without loading the trainer', async (corpus, message) => {
    const error = await processor.process(job(corpus), 'token').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(message);
    expect(loadTrainer).not.toHaveBeenCalled();
  });
});
