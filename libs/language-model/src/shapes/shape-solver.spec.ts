import { describe, expect, it } from 'vitest';
import { LanguageModelError } from '../errors.js';
import { countParameters } from './parameter-count.js';
import {
  ASPECT_RATIO,
  MIN_TWO_LAYER_PARAMS,
  runShape,
  SHAPE_TOLERANCE,
  smallestShape,
  solveShape,
  solveShapeForTotalParams,
} from './shape-solver.js';

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
    // Embeddings: token table, the untied output head, positions.
    expect(counts.total).toBe(counts.nonEmbedding + 2 * 256 * 64 + 64 * 64);
  });

  it('follows the aspect-ratio rule (wider models get more layers), with two layers from the CPU sweep sizes on', () => {
    expect(solveShape(MIN_TWO_LAYER_PARAMS * 0.9).shape.layers).toBe(1);
    expect(solveShape(1e4).shape.layers).toBe(2);
    expect(solveShape(1e5).shape.layers).toBe(2);
    expect(solveShape(1e6).shape.layers).toBe(4);
    expect(solveShape(1e9).shape.layers).toBeGreaterThan(20);
  });

  it('keeps the sweep sizes (N = 1e4 to 1e7) at a sane depth-to-width ratio with heads at least 16 wide', () => {
    for (const target of logSpaced(1e4, 1e7, 30)) {
      const { shape } = solveShape(target);
      const aspect = shape.modelDim / shape.layers;
      expect(aspect, `target ${target}`).toBeGreaterThanOrEqual(ASPECT_RATIO / 4);
      expect(aspect, `target ${target}`).toBeLessThanOrEqual(ASPECT_RATIO * 2);
      expect(shape.headDim, `target ${target}`).toBeGreaterThanOrEqual(16);
    }
    expect(solveShape(1e5).shape).toMatchObject({ layers: 2, modelDim: 64, heads: 4, headDim: 16 });
    expect(solveShape(1e6).shape).toMatchObject({ layers: 4, modelDim: 144, heads: 4, headDim: 36 });
  });

  it('solves for a total parameter count (embeddings and head included) within the solver tolerance', () => {
    for (const total of logSpaced(2e4, 1e7, 20)) {
      const solved = solveShapeForTotalParams(total);
      expect(Math.abs(solved.paramsTotal - total) / total, `total ${total}`).toBeLessThanOrEqual(SHAPE_TOLERANCE);
      expect(solved.paramsTotal).toBe(countParameters(solved.shape).total);
    }
    expect(() => solveShapeForTotalParams(100)).toThrow(/total params 100 is below the smallest feasible model/);
    expect(() => solveShapeForTotalParams(Number.NaN)).toThrow(/total params must be a positive finite number/);
  });

  it('trains the planned shape as it is, with the run’s vocabulary, and refuses one that does not match params', () => {
    const planned = solveShapeForTotalParams(5e4);
    expect(runShape(planned.params, planned.shape, { vocabSize: 256 })).toEqual(planned.shape);
    expect(runShape(planned.params, planned.shape, { vocabSize: 80 })).toEqual({ ...planned.shape, vocabSize: 80 });
    expect(runShape(1e5, undefined)).toEqual(solveShape(1e5).shape);
    expect(() => runShape(2 * planned.params, planned.shape)).toThrow(/does not match params/);
  });

  it('refuses targets below the smallest model and names the nearest feasible size', () => {
    const smallest = countParameters(smallestShape()).nonEmbedding;
    expect(() => solveShape(100)).toThrow(LanguageModelError);
    expect(() => solveShape(100)).toThrow(new RegExp(`nearest feasible: N=${smallest}`));
    expect(() => solveShape(1e15)).toThrow(/above the largest feasible model/);
    expect(() => solveShape(-5)).toThrow(/params must be a positive finite number/);
  });
});
