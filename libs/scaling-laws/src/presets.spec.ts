import { describe, expect, it } from 'vitest';
import { ScalingLawError } from './errors.js';
import { frontierExponents } from './loss-law.js';
import {
  CHINCHILLA_TABLE3_APPROACH1,
  CHINCHILLA_TABLE_A3_APPROACH2,
  PRESET_NAMES,
  allocate,
  getPreset,
  powerLawFromTable,
  presetFittedMapping,
} from './presets.js';

const relativeError = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

describe('presets', () => {
  it('chinchilla-2022 (TeX values) allocates ≈ 40.4B parameters at the Gopher budget', () => {
    const { params, tokensPerParam } = allocate(getPreset('chinchilla-2022').mapping, 5.76e23);
    expect(relativeError(params, 40.4e9)).toBeLessThan(0.01);
    expect(tokensPerParam).toBeGreaterThan(50);
  });

  it('epoch-2024 allocates N_opt(5.76e23) ≈ 72.2B (science.md §5)', () => {
    expect(relativeError(allocate(getPreset('epoch-2024').mapping, 5.76e23).params, 7.22e10)).toBeLessThan(2e-3);
  });

  it.each([
    ['chinchilla-2022-approach1', CHINCHILLA_TABLE3_APPROACH1, 0.09916, 0.4981, 1.696, 0.5019],
    ['chinchilla-2022-approach2', CHINCHILLA_TABLE_A3_APPROACH2, 0.1449, 0.4899, 1.153, 0.51],
  ] as const)('%s is the log-log fit through its table (recomputed)', (name, table, kN, a, kD, b) => {
    const preset = getPreset(name);
    expect(preset.mapping.kind).toBe('power-law');
    const fitted = powerLawFromTable(table);
    if (preset.mapping.kind !== 'power-law') throw new Error('unreachable');
    expect(preset.mapping.powerLaw).toEqual(fitted);
    expect(relativeError(fitted.paramCoeff, kN)).toBeLessThan(2e-3);
    expect(fitted.paramExponent).toBeCloseTo(a, 4);
    expect(relativeError(fitted.tokenCoeff, kD)).toBeLessThan(2e-3);
    expect(fitted.tokenExponent).toBeCloseTo(b, 4);
  });

  it('reproduces the Approach 1 anchor 2.86B, 58.7B at 1e21', () => {
    const a = allocate(getPreset('chinchilla-2022-approach1').mapping, 1e21);
    expect(relativeError(a.params, 2.86e9)).toBeLessThan(0.005);
    expect(relativeError(a.tokens, 58.7e9)).toBeLessThan(0.005);
    expect(a.loss).toBeNull();
  });

  it('every listed name resolves and documents its source', () => {
    for (const name of PRESET_NAMES) expect(getPreset(name).source.length).toBeGreaterThan(10);
  });

  it('an unknown name throws UnknownPreset listing the known names', () => {
    expect(() => getPreset('kaplan-2020')).toThrow(ScalingLawError);
    expect(() => getPreset('kaplan-2020')).toThrow(
      /known presets: chinchilla-2022, chinchilla-2022-approach1, chinchilla-2022-approach2, epoch-2024/,
    );
  });

  it('carries what each source published about a: Epoch’s SE (95%), Chinchilla Table 2 (10th–90th)', () => {
    const epoch = getPreset('epoch-2024').published!;
    expect(epoch.percentiles).toEqual([2.5, 97.5]);
    expect(epoch.a.lower).toBeCloseTo(0.5126 - 1.96 * 0.02, 3);
    expect(epoch.a.upper).toBeCloseTo(0.5126 + 1.96 * 0.02, 3);
    const law = getPreset('epoch-2024').mapping;
    if (law.kind !== 'loss-law') throw new Error('unreachable');
    expect(frontierExponents(law.law).a).toBeCloseTo(epoch.a.median, 3); // the interval is centred on the preset's own a
    expect(getPreset('chinchilla-2022').published).toMatchObject({ a: { lower: 0.454, upper: 0.455 }, percentiles: [10, 90] });
    expect(getPreset('chinchilla-2022').published!.note).toMatch(/implausibly narrow/);
    expect(getPreset('chinchilla-2022-approach1').published!.a).toMatchObject({ lower: 0.488, upper: 0.502 });
    expect(getPreset('chinchilla-2022-approach2').published!.a).toMatchObject({ lower: 0.462, upper: 0.534 });
  });

  it('presetFittedMapping hands a preset over as a fitted mapping without replicates', () => {
    const fitted = presetFittedMapping('epoch-2024');
    expect(fitted).toMatchObject({ source: { kind: 'preset', name: 'epoch-2024' }, samples: [], percentiles: [2.5, 97.5] });
    expect(fitted.mapping).toBe(getPreset('epoch-2024').mapping);
  });
});
