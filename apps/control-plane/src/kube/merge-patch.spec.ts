import { describe, expect, it } from 'vitest';
import { createMergePatch } from './merge-patch.js';

describe('createMergePatch', () => {
  it.each([
    ['no change', { a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } }, undefined],
    ['changed scalar', { a: 1 }, { a: 2 }, { a: 2 }],
    ['removed key becomes null', { a: 1, b: 2 }, { a: 1 }, { b: null }],
    ['nested removal', { x: { y: 1, z: 2 } }, { x: { y: 1 } }, { x: { z: null } }],
    [
      'arrays replaced whole',
      { c: [{ type: 'Ready', status: 'False' }] },
      { c: [{ type: 'Ready', status: 'True' }] },
      { c: [{ type: 'Ready', status: 'True' }] },
    ],
    ['added object', {}, { allocation: { params: 1 } }, { allocation: { params: 1 } }],
    ['undefined values are absent', { a: 1 }, { a: 1, b: undefined }, undefined],
  ])('%s', (_name, from, to, expected) => {
    expect(createMergePatch(from, to)).toEqual(expected);
  });
});
