import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LanguageModelError } from '../errors.js';
import { loadCorpus, unigramEntropy } from './corpus-loader.js';
import { heldOutBatches, TrainingStream } from './token-stream.js';

describe('loadCorpus', () => {
  it('splits moby-dick deterministically into 95% train and 5% held out, byte tokens by default', () => {
    const a = loadCorpus('moby-dick', 'byte', 64);
    const b = loadCorpus('moby-dick', 'byte', 64);
    expect(a.tokenizer.vocabSize).toBe(256);
    expect(a.train.length + a.heldOut.length).toBeGreaterThan(1_190_000);
    expect(a.heldOut.length / (a.train.length + a.heldOut.length)).toBeCloseTo(0.05, 2);
    expect(Buffer.from(a.heldOut).equals(Buffer.from(b.heldOut))).toBe(true);
    const entropy = unigramEntropy(a.train);
    expect(entropy).toBeGreaterThan(2.5);
    expect(entropy).toBeLessThan(3.5);
  });

  it('builds a character vocabulary from the corpus when asked', () => {
    const corpus = loadCorpus('moby-dick', 'char', 64);
    expect(corpus.tokenizer.kind).toBe('char');
    expect(corpus.tokenizer.vocabSize).toBeGreaterThan(60);
    expect(corpus.tokenizer.vocabSize).toBeLessThan(120);
  });

  it('reads a local directory of text files in name order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scaleplan-corpus-'));
    try {
      mkdirSync(join(dir, 'sub'));
      writeFileSync(join(dir, 'a.txt'), 'alpha '.repeat(1000));
      writeFileSync(join(dir, 'sub', 'b.txt'), 'beta '.repeat(1000));
      const corpus = loadCorpus(dir, 'byte', 16);
      expect(corpus.train.length + corpus.heldOut.length).toBe(6000 + 1 + 5000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown corpora, missing paths and corpora too small to split', () => {
    expect(() => loadCorpus('wikitext', 'byte', 64)).toThrow(/unknown corpus "wikitext": expected moby-dick, sotu or a path/);
    expect(() => loadCorpus('/no/such/dir', 'byte', 64)).toThrow(LanguageModelError);
    const dir = mkdtempSync(join(tmpdir(), 'scaleplan-corpus-'));
    try {
      writeFileSync(join(dir, 'tiny.txt'), 'too small');
      expect(() => loadCorpus(join(dir, 'tiny.txt'), 'byte', 64)).toThrow(/at least 1300 are needed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TrainingStream', () => {
  const tokens = Uint16Array.from({ length: 1000 }, (_, i) => i % 256);

  it('yields inputs and next-token targets, masks the tail of a partial batch, and resumes from a position', () => {
    const stream = new TrainingStream(tokens, 10, 4);
    const first = stream.next(3);
    for (let i = 0; i < 30; i += 1) if (i % 10 !== 9) expect(first.targets[i]).toBe(first.inputs[i + 1]);
    const position = stream.position;
    const expected = stream.next(2, 15);
    expect(Array.from(expected.weights)).toEqual([...Array(15).fill(1), ...Array(5).fill(0)]);
    const resumed = new TrainingStream(tokens, 10, 4, position).next(2, 15);
    expect(resumed).toEqual(expected);
  });

  it('visits every window once per pass, in a new order each pass', () => {
    const stream = new TrainingStream(tokens, 10, 4);
    const pass = (): number[] => Array.from({ length: stream.windows }, () => stream.next(1).inputs[0]!);
    const one = pass();
    const two = pass();
    expect(new Set(one).size).toBeGreaterThan(10);
    expect([...one].sort()).toEqual([...two].sort());
    expect(one).not.toEqual(two);
    expect(stream.position.epoch).toBe(1);
  });

  it('takes evenly spaced held-out windows in batches', () => {
    const batches = heldOutBatches(tokens, 10, 4, 10);
    expect(batches.map((b) => b.sequences)).toEqual([4, 4, 2]);
  });
});
