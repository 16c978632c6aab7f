import * as tf from '@tensorflow/tfjs';

/**
 * Causal multi-head attention with every product as a rank-2 matmul.
 *
 * The wasm backend runs XNNPACK only for rank-2 products without transpose flags; batched (rank-3/4)
 * matmuls fall into a scalar loop at <1 GFLOP/s. So q, k and v are rearranged (one transpose each) into
 * head-major blocks and each (group, head) block is one [W, hd]·[hd, W] product. A group is G consecutive
 * sequences (W = G·T) under a block-diagonal causal mask: G× the attention FLOPs in G× fewer kernel calls.
 * Measured here (bench:train), G = 1 is fastest once blocks are cut out cheaply (see splitRows), so the
 * default group is one 64-token sequence; larger groups remain available for longer batches of short
 * sequences. Masked scores are exactly zero after the softmax, so every G computes the same function.
 *
 * The gradient is hand-written (one customGrad for the whole core) so the backward pass needs no transposed
 * matmuls and only a handful of whole-tensor transposes.
 */
export interface AttentionLayout {
  readonly sequenceLength: number;
  readonly heads: number;
  readonly headDim: number;
  /** Target group width in tokens: G = max(1, floor(groupTokens / T)), reduced to divide the batch. */
  readonly groupTokens: number;
}

/** Default group width in tokens: one sequence at T = 64 (measured fastest on the wasm backend, bench:train). */
export const DEFAULT_GROUP_TOKENS = 64;

const masks = new Map<string, tf.Tensor>();

/** Additive mask [1, W, W]: 0 where row r may attend column c (same sequence, c ≤ r), −1e9 elsewhere. */
function groupMask(group: number, T: number): tf.Tensor {
  const key = `${group}x${T}`;
  let mask = masks.get(key);
  if (!mask) {
    const W = group * T;
    const values = new Float32Array(W * W).fill(-1e9);
    for (let r = 0; r < W; r += 1) {
      const start = Math.floor(r / T) * T;
      for (let c = start; c <= r; c += 1) values[r * W + c] = 0;
    }
    mask = tf.keep(tf.tensor(values, [1, W, W]));
    masks.set(key, mask);
  }
  return mask;
}

/**
 * Splits [blocks·R, C] into `blocks` tensors [R, C] with one read-back and one write per block. Not tf.split:
 * the wasm Slice kernel copies its whole input on every call (readSync), so k slices cost k full copies, and
 * wasm Gather is a slow scalar loop. Only used inside the hand-written customGrad, where nothing is taped.
 */
function splitRows(x: tf.Tensor2D, blocks: number): tf.Tensor2D[] {
  if (blocks === 1) return [x];
  const [rows, columns] = x.shape;
  const perBlock = rows / blocks;
  const size = perBlock * columns;
  const values = x.dataSync() as Float32Array;
  return Array.from({ length: blocks }, (_, i) => tf.tensor2d(values.subarray(i * size, (i + 1) * size), [perBlock, columns]));
}

/** Sequences per group for a batch of `sequences`: the largest divisor of it not above the target. */
export function groupSize(sequences: number, layout: AttentionLayout): number {
  let group = Math.max(1, Math.min(sequences, Math.floor(layout.groupTokens / layout.sequenceLength)));
  while (sequences % group !== 0) group -= 1;
  return group;
}

/**
 * softmax(q·kᵀ + causal mask)·v for q, k, v of shape [sequences·T, heads·headDim] (q already scaled by
 * 1/√headDim); returns [sequences·T, heads·headDim].
 */
export function causalAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, layout: AttentionLayout): tf.Tensor2D {
  const { sequenceLength: T, heads: H, headDim: hd } = layout;
  const sequences = q.shape[0] / T;
  const G = groupSize(sequences, layout);
  const n = sequences / G;
  const W = G * T;
  const blocks = n * H;
  const mask = groupMask(G, T);
  // [tokens, H·hd] → head-major row blocks [blocks·W, hd] (block = group·H + head), or transposed blocks [blocks·hd, W].
  // With one head the token-major layout already is head-major: skip the (no-op) transposes.
  const rows = (x: tf.Tensor): tf.Tensor2D =>
    H === 1
      ? (x as tf.Tensor2D)
      : x
          .reshape([n, W, H, hd])
          .transpose([0, 2, 1, 3])
          .reshape([blocks * W, hd]);
  const columns = (x: tf.Tensor): tf.Tensor2D =>
    x
      .reshape([n, W, H, hd])
      .transpose([0, 2, 3, 1])
      .reshape([blocks * hd, W]);
  const back = (x: tf.Tensor): tf.Tensor2D =>
    H === 1
      ? (x as tf.Tensor2D)
      : x
          .reshape([n, H, W, hd])
          .transpose([0, 2, 1, 3])
          .reshape([sequences * T, H * hd]);
  const blockwise = (a: tf.Tensor2D[], b: tf.Tensor2D[]): tf.Tensor2D =>
    tf.concat(
      a.map((x, i) => tf.matMul(x, b[i]!)),
      0,
    );
  const transposeBlocks = (x: tf.Tensor2D): tf.Tensor2D =>
    x
      .reshape([blocks, W, W])
      .transpose([0, 2, 1])
      .reshape([blocks * W, W]);
  const split = (x: tf.Tensor2D): tf.Tensor2D[] => splitRows(x, blocks);

  const core = tf.customGrad(((qi: tf.Tensor2D, ki: tf.Tensor2D, vi: tf.Tensor2D, save: (t: tf.Tensor[]) => void) => {
    const qBlocks = split(rows(qi));
    const kCols = split(columns(ki));
    const vBlocks = split(rows(vi));
    const scores = blockwise(qBlocks, kCols).reshape([blocks, W, W]).add(mask);
    const probs = tf.softmax(scores).reshape([blocks * W, W]) as tf.Tensor2D;
    const out = back(blockwise(split(probs), vBlocks));
    save([qi, ki, vi, probs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [sq, sk, sv, p] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dOut = split(rows(dy));
        const dProbs = blockwise(dOut, split(columns(sv)));
        const dScores = p.mul(dProbs.sub(dProbs.mul(p).sum(1, true))) as tf.Tensor2D;
        const dV = blockwise(split(transposeBlocks(p)), dOut);
        const dQ = blockwise(split(dScores), split(rows(sk)));
        const dK = blockwise(split(transposeBlocks(dScores)), split(rows(sq)));
        return [back(dQ), back(dK), back(dV)];
      },
    };
  }) as never) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D, c: tf.Tensor2D) => tf.Tensor2D;
  return core(q, k, v);
}
