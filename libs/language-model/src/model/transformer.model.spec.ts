import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { SeededRandom } from '../random.js';
import { TrainingStream } from '../corpus/token-stream.js';
import { causalAttention } from './grouped-attention.js';
import { layerNorm, TransformerModel } from './transformer.model.js';

const randomTensor = (shape: number[], seed: number): tf.Tensor2D => {
  const random = new SeededRandom(seed);
  return tf.tensor2d(
    Float32Array.from({ length: shape[0]! * shape[1]! }, () => random.normal()),
    shape as [number, number],
  );
};

/** Textbook attention: rank-4 batched matmuls, a triangular mask, tfjs autodiff. */
function referenceAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, T: number, H: number, hd: number): tf.Tensor2D {
  const B = q.shape[0] / T;
  const heads = (x: tf.Tensor) => x.reshape([B, T, H, hd]).transpose([0, 2, 1, 3]);
  const scores = tf.matMul(heads(q), heads(k), false, true);
  const mask = tf.linalg
    .bandPart(tf.ones([T, T]), -1, 0)
    .sub(1)
    .mul(1e9);
  const probs = tf.softmax(scores.add(mask));
  return tf
    .matMul(probs, heads(v))
    .transpose([0, 2, 1, 3])
    .reshape([B * T, H * hd]);
}

const maxRelativeDifference = (a: Float32Array | number[], b: Float32Array | number[]): number => {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / scale;
};

describe('causalAttention (grouped, rank-2 products, hand-written gradient)', () => {
  it.each([
    { sequences: 8, T: 8, H: 1, hd: 6, groupTokens: 32 },
    { sequences: 6, T: 8, H: 3, hd: 4, groupTokens: 32 },
    { sequences: 5, T: 4, H: 2, hd: 3, groupTokens: 1 },
  ])('matches textbook attention and its autodiff gradient (%o)', async ({ sequences, T, H, hd, groupTokens }) => {
    await tf.setBackend('cpu');
    const rows = sequences * T;
    const [q, k, v, upstream] = [1, 2, 3, 4].map((seed) => randomTensor([rows, H * hd], seed)) as tf.Tensor2D[];
    const layout = { sequenceLength: T, heads: H, headDim: hd, groupTokens };
    const loss =
      (fn: typeof referenceAttention | typeof causalAttention) =>
      (...[a, b, c]: tf.Tensor[]): tf.Tensor => {
        const [a2, b2, c2] = [a, b, c] as tf.Tensor2D[];
        return (fn === causalAttention ? causalAttention(a2!, b2!, c2!, layout) : referenceAttention(a2!, b2!, c2!, T, H, hd))
          .mul(upstream!)
          .sum();
      };
    const expected = tf.grads(loss(referenceAttention))([q!, k!, v!]);
    const actual = tf.grads(loss(causalAttention))([q!, k!, v!]);
    expect(
      maxRelativeDifference(
        causalAttention(q!, k!, v!, layout).dataSync() as Float32Array,
        referenceAttention(q!, k!, v!, T, H, hd).dataSync() as Float32Array,
      ),
    ).toBeLessThan(1e-5);
    for (let i = 0; i < 3; i += 1)
      expect(maxRelativeDifference(actual[i]!.dataSync() as Float32Array, expected[i]!.dataSync() as Float32Array)).toBeLessThan(1e-4);
  });
});

describe('layerNorm (hand-written gradient)', () => {
  it('matches the autodiff gradient of the textbook formula', async () => {
    await tf.setBackend('cpu');
    const [x, upstream] = [randomTensor([12, 10], 1), randomTensor([12, 10], 2)];
    const g = tf.tensor1d(Array.from({ length: 10 }, (_, i) => 1 + i / 10));
    const b = tf.tensor1d(Array.from({ length: 10 }, (_, i) => i / 20));
    const reference = (...[xi, gi, bi]: tf.Tensor[]): tf.Tensor => {
      const centred = xi!.sub(xi!.mean(1, true));
      return centred.mul(centred.square().mean(1, true).add(1e-5).rsqrt()).mul(gi!).add(bi!).mul(upstream!).sum();
    };
    const custom = (...[xi, gi, bi]: tf.Tensor[]): tf.Tensor =>
      layerNorm(xi as tf.Tensor2D, gi as tf.Tensor1D, bi as tf.Tensor1D)
        .mul(upstream!)
        .sum();
    const expected = tf.grads(reference)([x!, g, b]);
    const actual = tf.grads(custom)([x!, g, b]);
    for (let i = 0; i < 3; i += 1)
      expect(maxRelativeDifference(actual[i]!.dataSync() as Float32Array, expected[i]!.dataSync() as Float32Array)).toBeLessThan(1e-4);
  });
});

describe('TransformerModel on cpu and wasm', () => {
  it('computes the same loss and gradients on both backends', async () => {
    const shape = { layers: 2, modelDim: 24, heads: 2, headDim: 12, ffDim: 96, vocabSize: 256, sequenceLength: 16 };
    const random = new SeededRandom(9);
    const corpus = Uint16Array.from({ length: 4000 }, () => Math.floor(random.next() * 256));
    const results: Record<string, { loss: number; gradients: Float32Array[] }> = {};
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const model = new TransformerModel(shape, 5);
      const batch = new TrainingStream(corpus, 16, 1).next(8, 8 * 16 - 5);
      const { loss, gradients } = model.lossAndGradients(batch);
      results[backend] = { loss: loss.dataSync()[0]!, gradients: gradients.map((g) => Float32Array.from(g.dataSync() as Float32Array)) };
      tf.dispose([loss, ...gradients]);
      model.dispose();
    }
    const { cpu, wasm } = results as Record<'cpu' | 'wasm', { loss: number; gradients: Float32Array[] }>;
    // The loss of an untrained byte model is ≈ ln 256; a broken one-hot (denormals on wasm) would make it 0.
    expect(cpu.loss).toBeGreaterThan(5);
    expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-5);
    cpu.gradients.forEach((g, i) => expect(maxRelativeDifference(wasm.gradients[i]!, g), `gradient ${i}`).toBeLessThan(1e-3));
  });
});
