import type { RunRecord } from '@scaleplan/contracts';
import { countParameters } from '@scaleplan/language-model/shapes';
import { describe, expect, it } from 'vitest';
import { plannedParamsTotal, runParamsTotal, withParamsTotal } from './run-params.js';
import { fitRowsOf } from './scaling-laws.adapter.js';

const shape = { layers: 2, modelDim: 64, heads: 4, headDim: 16, ffDim: 256, vocabSize: 256, sequenceLength: 64 };
const counts = countParameters(shape);
/** A run as records were stored before they carried paramsTotal: only the non-embedding count. */
const legacy: RunRecord = {
  runId: 'c1.00e12-n100096',
  owner: { namespace: 'default', name: 'study' },
  ownerKind: 'ScalingLaw',
  kind: 'sweep',
  budgetFlops: 1e12,
  params: counts.nonEmbedding,
  tokens: 1_000_000,
  shape,
  seed: 0,
  state: 'planned',
  attempts: 0,
  simulated: true,
  plannedAt: '2026-01-01T00:00:00.000Z',
};

describe('run parameter counts', () => {
  it('reads a stored run without paramsTotal at its shape’s exact total, and leaves newer records as they are', () => {
    expect(counts.total - counts.nonEmbedding).toBe(2 * 256 * 64 + 64 * 64);
    expect(plannedParamsTotal(legacy)).toBe(counts.total);
    expect(withParamsTotal(legacy)).toEqual({ ...legacy, paramsTotal: counts.total });
    const current = { ...legacy, paramsTotal: 123_456 };
    expect(withParamsTotal(current)).toBe(current);
  });

  it('counts what the worker trained first: its total differs from the plan where its vocabulary does (a char corpus)', () => {
    const trained = { ...legacy, paramsTotal: counts.total, outcome: { paramsTotal: counts.total - 200 * 64 } as RunRecord['outcome'] };
    expect(runParamsTotal(trained)).toBe(counts.total - 200 * 64);
    expect(plannedParamsTotal(trained)).toBe(counts.total);
  });

  it('fits on total N, for old and new records alike', () => {
    const succeeded = (run: RunRecord, paramsTotal: number): RunRecord => ({
      ...run,
      state: 'succeeded',
      outcome: { params: run.params, paramsTotal, tokens: run.tokens, finalLoss: 3 } as RunRecord['outcome'],
    });
    const rows = fitRowsOf([
      succeeded(legacy, counts.total),
      succeeded({ ...legacy, runId: 'new', paramsTotal: counts.total }, counts.total),
    ]);
    expect(rows.map((r) => r.observation.params)).toEqual([counts.total, counts.total]);
  });
});
