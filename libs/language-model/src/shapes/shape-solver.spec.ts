import { describe, expect, it } from 'vitest';
import { LanguageModelError } from '../errors.js';
import { countParameters } from './parameter-count.js';
import { SHAPE_TOLERANCE, smallestShape, solveShape } from './shape-solver.js';

const logSpaced = (from: number, to: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => from * (to / from) ** (i / (count - 1)));

describe('solveShape', () => {
  it('meets 100 log-spaced targets from 1e3 to 1e9 within 2%', () => {
    for (const target of logSpaced(1e3, 1e9, 100)) {
      const solved = solveShape(target);
      expect(Math.abs(solved.params - target) / target, `target ${target}`).toBeLessThanOrEqual(SHAPE_TOLERANCE);
      const { shape } = solved;
      expect(shape.heads * shape.headDim).toBe(shape.modelDim);
      expect(Number.isInteger(shape.headDim)).toBe(true);
      expect(shape.ffDim).toBeGreaterThanOrEqual(2 * shape.modelDim);
      expect(shape.ffDim).toBeLessThanOrEqual(8 * shape.modelDim);
    }
  });

  it('reports exact counts that match the formula 12d² + 13d per layer for the standard shape', () => {
    const shape = { layers: 2, modelDim: 64, heads: 1, headDim: 64, ffDim: 256, vocabSize: 256, sequenceLength: 64 };
    const counts = countParameters(shape);
    expect(counts.nonEmbedding).toBe(2 * (12 * 64 * 64 + 13 * 64) + 2 * 64);
    expect(counts.total).toBe(counts.nonEmbedding + 256 * 64 + 64 * 64);
  });

  it('follows the aspect-ratio rule (wider models get more layers)', () => {
    expect(solveShape(1e5).shape.layers).toBe(1);
    expect(solveShape(1e6).shape.layers).toBe(3);
    expect(solveShape(1e9).shape.layers).toBeGreaterThan(20);
  });

  it('refuses targets below the smallest model and names the nearest feasible size', () => {
    const smallest = countParameters(smallestShape()).nonEmbedding;
    expect(() => solveShape(100)).toThrow(LanguageModelError);
    expect(() => solveShape(100)).toThrow(new RegExp(`nearest feasible: N=${smallest}`));
    expect(() => solveShape(1e15)).toThrow(/above the largest feasible model/);
    expect(() => solveShape(-5)).toThrow(/params must be a positive finite number/);
  });
});
