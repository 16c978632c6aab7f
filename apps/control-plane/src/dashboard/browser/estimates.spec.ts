import { describe, expect, it } from 'vitest';
import { edgeWarning, intervalPosition } from './estimates.js';

describe('intervalPosition', () => {
  it.each([
    // The issue's case: Approach 2's a = 0.437 in [0.376, 0.439] sits at the upper edge.
    [0.437, [0.376, 0.439], 'upper-edge'],
    [0.38, [0.376, 0.439], 'lower-edge'],
    [0.41, [0.376, 0.439], 'inside'],
    [0.5, [0.376, 0.439], 'above'],
    [0.3, [0.376, 0.439], 'below'],
    [2, [2, 2], 'inside'],
    [0.41, [0.439, 0.376], 'inside'],
  ] as const)('puts %s in %j at %s', (value, interval, expected) => {
    expect(intervalPosition(value, interval)).toBe(expected);
  });

  it('has nothing to say without an interval or a finite value', () => {
    expect(intervalPosition(0.4, undefined)).toBeUndefined();
    expect(intervalPosition(undefined, [0, 1])).toBeUndefined();
    expect(intervalPosition(Number.NaN, [0, 1])).toBeUndefined();
    expect(intervalPosition(0.5, [Number.NaN, 1])).toBeUndefined();
  });
});

describe('edgeWarning', () => {
  it('explains an estimate at the edge of, or outside, its interval and stays quiet inside it', () => {
    expect(edgeWarning('upper-edge')).toMatch(/upper edge of its own interval/);
    expect(edgeWarning('below')).toMatch(/below its own interval/);
    expect(edgeWarning('inside')).toBeUndefined();
    expect(edgeWarning(undefined)).toBeUndefined();
  });
});
