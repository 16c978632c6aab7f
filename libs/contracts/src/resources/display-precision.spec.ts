import { describe, expect, it } from 'vitest';
import { DISPLAY_SIGNIFICANT_FIGURES, FLOPS_SIGNIFICANT_FIGURES, roundSignificant } from './display-precision.js';

describe('roundSignificant', () => {
  it.each([
    [33.91056579421477, 33.91],
    [0.49873562, 0.4987],
    [20.000000000000004, 20],
    [1234567, 1235000],
    [-0.000123456, -0.0001235],
    [2.9999999, 3],
  ])('rounds %s to %s (4 significant figures by default)', (value, expected) => {
    expect(roundSignificant(value)).toBe(expected);
    expect(DISPLAY_SIGNIFICANT_FIGURES).toBe(4);
  });

  it('keeps budgets people write and drops the floating-point tail of computed ones', () => {
    expect(roundSignificant(1.2345e21, FLOPS_SIGNIFICANT_FIGURES)).toBe(1.2345e21);
    expect(roundSignificant(7.120800000000001e21, FLOPS_SIGNIFICANT_FIGURES)).toBe(7.1208e21);
  });

  it.each([0, Number.NaN, Number.POSITIVE_INFINITY])('returns %s unchanged', (value) => {
    expect(roundSignificant(value)).toBe(value);
  });
});
