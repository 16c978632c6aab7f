import type { ScalingLaw } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { csvField, fitsCsv, FIT_CSV_COLUMNS, fitsJson, runsCsv, RUN_CSV_COLUMNS } from './study-exports.js';

const shape = { layers: 2, modelDim: 64, heads: 4, headDim: 16, ffDim: 256, vocabSize: 256, sequenceLength: 64 };

describe('csvField', () => {
  it.each([
    [1.5e21, '1.5e+21'],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    [undefined, ''],
    [Number.NaN, ''],
    [true, 'true'],
  ])('%s → %s', (value, expected) => {
    expect(csvField(value as never)).toBe(expected);
  });
});

describe('study exports', () => {
  const study: ScalingLaw = {
    apiVersion: 'scaleplan.dev/v1alpha1',
    kind: 'ScalingLaw',
    metadata: { name: 'study', namespace: 'ns' },
    spec: {
      model: { family: 'decoder-transformer', tokenizer: 'byte', corpus: 'moby-dick', sequenceLength: 64 },
      preset: 'epoch-2024',
      fit: { methods: [3], primaryMethod: 3, bootstrap: 0, confidence: 0.8 },
      maxConcurrentRuns: 1,
      maxFailedRuns: 1,
      priority: 10,
    },
    status: {
      simulated: true,
      fits: [
        {
          method: 3,
          converged: true,
          fittedAt: 't',
          runs: 12,
          a: 0.45,
          b: 0.55,
          aInterval: [0.43, 0.47],
          law: { irreducibleLoss: 1.8, paramCoeff: 482, dataCoeff: 2085, paramExponent: 0.35, dataExponent: 0.37 },
          lawIntervals: { paramExponent: [0.3, 0.4] },
          warnings: ['w1', 'w2'],
        },
        { method: 2, converged: false, fittedAt: 't', runs: 12, a: 0.5, b: 0.5, warnings: [] },
      ],
    },
  };

  it('writes one row per run with every column, diverged runs included', () => {
    const csv = runsCsv([
      {
        runId: 'b',
        owner: { namespace: 'ns', name: 'study' },
        ownerKind: 'ScalingLaw',
        kind: 'sweep',
        budgetFlops: 1e16,
        params: 2e6,
        tokens: 800,
        shape,
        seed: 1,
        state: 'diverged',
        attempts: 1,
        simulated: false,
        plannedAt: 'p',
        error: 'loss was NaN at step 3',
      },
      {
        runId: 'a',
        owner: { namespace: 'ns', name: 'study' },
        ownerKind: 'ScalingLaw',
        kind: 'sweep',
        budgetFlops: 1e15,
        params: 1e6,
        tokens: 166,
        shape,
        seed: 0,
        state: 'succeeded',
        attempts: 1,
        simulated: true,
        plannedAt: 'p',
        outcome: {
          runId: 'a',
          status: 'completed',
          params: 1e6,
          paramsTotal: 1.1e6,
          tokens: 166,
          flops: 1e15,
          finalLoss: 3.25,
          shape,
          curve: [],
          backend: 'wasm',
          simulated: true,
          wallSeconds: 2,
          tokensPerSecond: 83,
          repetitionFactor: 1,
        },
      },
    ]);
    const [header, first, second] = csv.trimEnd().split('\r\n');
    expect(header).toBe(RUN_CSV_COLUMNS.join(','));
    // N twice: total (what the fits read; `scaleplan fit` takes this column) and non-embedding.
    expect(first!.split(',').slice(0, 11)).toEqual([
      'a',
      'sweep',
      '1000000000000000',
      '1100000',
      '1000000',
      '166',
      '1000000000000000',
      '3.25',
      'succeeded',
      'true',
      'wasm',
    ]);
    expect(second).toContain('diverged,false');
    expect(second!.endsWith('loss was NaN at step 3')).toBe(true);
  });

  it('writes fits sorted by method with interval bounds in columns', () => {
    const [header, method2, method3] = fitsCsv(study).trimEnd().split('\r\n');
    expect(header).toBe(FIT_CSV_COLUMNS.join(','));
    expect(method2!.startsWith('2,false,t,12,true,0.5,,,0.5')).toBe(true);
    const cells = method3!.split(',');
    expect(cells.slice(0, 8)).toEqual(['3', 'true', 't', '12', 'true', '0.45', '0.43', '0.47']);
    expect(cells[FIT_CSV_COLUMNS.indexOf('paramExponentLow')]).toBe('0.3');
    expect(cells.at(-1)).toBe('w1; w2');
  });

  it('exports fits as JSON with the study and the simulated label', () => {
    expect(fitsJson(study)).toMatchObject({
      study: { namespace: 'ns', name: 'study' },
      simulated: true,
      confidence: 0.8,
      fits: study.status!.fits,
    });
  });
});
