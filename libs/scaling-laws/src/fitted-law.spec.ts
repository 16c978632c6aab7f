import { describe, expect, it } from 'vitest';
import { parseFittedMapping, type FittedMapping } from './fitted-law.js';
import { presetFittedMapping } from './presets.js';
import { EPOCH_2024 } from './__tests__/published-laws.js';

const valid: FittedMapping = {
  source: { kind: 'fit', method: 3, runs: 40 },
  mapping: { kind: 'loss-law', law: EPOCH_2024 },
  samples: [{ kind: 'power-law', powerLaw: { paramCoeff: 0.1, paramExponent: 0.5, tokenCoeff: 1.7, tokenExponent: 0.5 } }],
  percentiles: [10, 90],
  resamples: 2,
};
const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('parseFittedMapping (reading a fitted mapping back from a file)', () => {
  it('accepts a fit and a preset as written', () => {
    expect(parseFittedMapping(json(valid))).toEqual({ ok: true, fitted: valid });
    expect(parseFittedMapping(json(presetFittedMapping('epoch-2024'))).ok).toBe(true);
  });

  it.each([
    ['not an object', 3, /^not an object$/],
    [
      'an unknown mapping kind',
      { ...valid, mapping: { kind: 'kaplan' } },
      /^mapping: kind must be "loss-law" or "power-law", got "kaplan"$/,
    ],
    [
      'a law field that is not a number',
      { ...valid, mapping: { kind: 'loss-law', law: { ...EPOCH_2024, dataExponent: null } } },
      /^mapping: law: dataExponent is not a finite number$/,
    ],
    [
      'a broken replicate',
      { ...valid, samples: [valid.mapping, { kind: 'power-law', powerLaw: {} }] },
      /^samples\[1\]: powerLaw: paramCoeff is not a finite number$/,
    ],
    ['samples that are not a list', { ...valid, samples: {} }, /^samples: not a list$/],
    ['reversed percentiles', { ...valid, percentiles: [90, 10] }, /^percentiles: /],
    ['an unknown method', { ...valid, source: { kind: 'fit', method: 4, runs: 1 } }, /^source: /],
    ['fewer resamples than samples', { ...valid, resamples: 0 }, /^resamples: /],
  ])('refuses %s, saying what is wrong', (_name, value, reason) => {
    const parsed = parseFittedMapping(json(value));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});
