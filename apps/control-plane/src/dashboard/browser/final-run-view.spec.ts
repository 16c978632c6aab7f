import type { ComputeBudget } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { againstInterval, latestLoss, trainedTokensNote, waitingText } from './final-run-view.js';

describe('trainedTokensNote', () => {
  const allocation = { params: 27.9e6, tokens: 2.09e9 };

  it('says why the run trained fewer tokens than D_opt: the buildable shape and its exact cost per token', () => {
    // The case: 2.07B trained against D_opt 2.09B; the shape has N = 28.1M and costs 6.07·N FLOPs a token.
    const run = { budgetFlops: 3.5e17, params: 28.1e6, tokens: Math.round(3.5e17 / (6.03 * 28.1e6)) };
    const note = trainedTokensNote(allocation, run)!;
    expect(note).toMatch(/^Trained 2\.07B tokens, 1\.\d% fewer than D_opt 2\.09B: /);
    expect(note).toContain('N = 28.1M, not N_opt = 27.9M');
    expect(note).toMatch(/6\.03·N, attention included/);
  });

  it('names whole optimiser steps when the worker trained a different count than planned', () => {
    const run = { budgetFlops: 6 * 27.9e6 * 2.09e9, params: 27.9e6, tokens: 2.09e9, outcome: { params: 27.9e6, tokens: 2.0e9 } };
    expect(trainedTokensNote(allocation, run)).toMatch(/whole optimiser steps/);
  });

  it('names the one-batch minimum when the run trains more than the budget buys', () => {
    const run = { budgetFlops: 6 * 27.9e6 * 2.09e9, params: 27.9e6, tokens: 2.5e9 };
    expect(trainedTokensNote(allocation, run)).toMatch(/more than D_opt.*one full batch/);
  });

  it('compares total parameters with N_opt, which counts them, and sees no extra cost at 6·N_total a token', () => {
    const run = { budgetFlops: 6 * 28.1e6 * 2.07e9, params: 20e6, paramsTotal: 28.1e6, tokens: 2.07e9 };
    const note = trainedTokensNote(allocation, run)!;
    expect(note).toContain('N = 28.1M, not N_opt = 27.9M');
    expect(note).not.toMatch(/attention included|one full batch/);
  });

  it('says nothing when the run trains D_opt (to rounding)', () => {
    expect(trainedTokensNote(allocation, { budgetFlops: 6 * 27.9e6 * 2.09e9, params: 27.9e6, tokens: 2.0901e9 })).toBeUndefined();
  });
});

const budget = (spec: Partial<ComputeBudget['spec']>, status: ComputeBudget['status'] = {}): ComputeBudget =>
  ({ metadata: { name: 'b', namespace: 'default' }, spec: { flops: 1e17, train: true, seed: 0, ...spec }, status }) as ComputeBudget;
const allocation = { flops: 1e17, params: 1, tokens: 1, tokensPerParam: 1, paramsDisplay: '1', tokensDisplay: '1', law: 'x', method: 3 };

describe('waitingText', () => {
  it.each([
    ['no training asked for', budget({ train: false }), /spec.train is false/],
    ['no allocation yet', budget({}), /once the allocation is known/],
    ['a provisional allocation', budget({}, { allocation: { ...allocation, provisional: true } }), /once the law is Ready/],
    ['a final allocation', budget({}, { allocation: { ...allocation, provisional: false } }), /being queued/],
  ])('with %s', (_, b, expected) => {
    expect(waitingText(b)).toMatch(expected);
  });
});

describe('latestLoss', () => {
  const finalRun = { runId: 'final-g1', state: 'succeeded' as const, progress: 1, tokens: 1 };
  it('falls back to the final loss, then to the stored curve, after the run ends', () => {
    expect(latestLoss({ ...finalRun, latestLoss: 4.5, finalLoss: 4.3 }, [])).toBe(4.5);
    expect(latestLoss({ ...finalRun, finalLoss: 4.3 }, [])).toBe(4.3);
    expect(
      latestLoss(finalRun, [
        { loss: 5, series: 'eval' },
        { loss: 4.9, series: 'train' },
      ]),
    ).toBe(5);
    expect(latestLoss(finalRun, [])).toBeUndefined();
  });
});

describe('againstInterval', () => {
  it('places the final loss against the predicted interval', () => {
    expect(againstInterval(4.33, [4.31, 4.51])).toMatch(/inside/);
    expect(againstInterval(4.2, [4.31, 4.51])).toMatch(/below/);
    expect(againstInterval(4.6, [4.31, 4.51])).toMatch(/above/);
    expect(againstInterval(4.6, undefined)).toBeUndefined();
  });
});
