import { describe, expect, it } from 'vitest';
import { linearExtent, logExtent, logTicks } from './chart-axes.js';
import { budgetColour, levelColours, seriesStyle, SERIES_STYLES } from './chart-palette.js';
import { COUNT_LABEL_EXPR, count } from './format.js';

describe('logTicks', () => {
  it('never reaches beyond the domain and steps 1-2-5 on a span of a few decades', () => {
    expect(logTicks(1.5e5, 1.2e7)).toEqual([2e5, 5e5, 1e6, 2e6, 5e6, 1e7]);
  });
  it('uses whole decades on long spans and finer steps on short ones', () => {
    expect(logTicks(1e12, 1e17)).toEqual([1e12, 1e13, 1e14, 1e15, 1e16, 1e17]);
    expect(logTicks(4e8, 7e8)).toEqual([4e8, 5e8, 6e8, 7e8]);
  });
  it('returns nothing for a domain that is not positive', () => {
    expect(logTicks(0, 10)).toEqual([]);
    expect(logTicks(10, 1)).toEqual([]);
  });
});

describe('extents', () => {
  it('pads a log extent by decades and a linear one by a share of the span', () => {
    const [low, high] = logExtent([1e6, 1e7], 0.1)!;
    expect(low).toBeCloseTo(1e6 / 10 ** 0.1, -2);
    expect(high).toBeCloseTo(1e7 * 10 ** 0.1, -3);
    expect(linearExtent([3, 5], 0.1)).toEqual([2.8, 5.2]);
    expect(logExtent([0, -1, Number.NaN])).toBeUndefined();
    expect(linearExtent([])).toBeUndefined();
  });
});

describe('palette', () => {
  it('colours a budget by its place in the plan only', () => {
    const range: [number, number] = [1e13, 1e15];
    expect(budgetColour(1e13, range)).toBe(budgetColour(1e13, range));
    expect(budgetColour(1e13, range)).not.toBe(budgetColour(1e15, range));
    expect(budgetColour(1e14, [1e14, 1e14])).toMatch(/^#[0-9A-F]{6}$/);
  });
  it('gives an unknown series grey, never a colour of a known one', () => {
    const known = new Set(Object.values(SERIES_STYLES).map((s) => s.colour));
    expect(known.has(seriesStyle('preset-someday-2030').colour)).toBe(false);
    expect(seriesStyle('preset-someday-2030').dash.length).toBeGreaterThan(0);
    expect(new Set(Object.values(SERIES_STYLES).map((s) => s.colour)).size).toBe(Object.keys(SERIES_STYLES).length);
  });
  it('makes as many level colours as levels', () => {
    expect(levelColours(4)).toHaveLength(4);
    expect(new Set(levelColours(4)).size).toBe(4);
  });
});

describe('count', () => {
  it('writes K/M/B/T with three significant figures, trimmed on axes', () => {
    expect(count(2.78e9)).toBe('2.78B');
    expect(count(6e10)).toBe('60.0B');
    expect(count(1e6, { trim: true })).toBe('1M');
    expect(count(950)).toBe('950');
    expect(count(undefined)).toBe('—');
    expect(COUNT_LABEL_EXPR).toContain("'B'");
    expect(COUNT_LABEL_EXPR).not.toContain("'G'");
  });
});
