import * as tf from '@tensorflow/tfjs';
import type { TransformerShape } from '@scaleplan/scaling-laws';
import type { TokenBatch } from '../corpus/token-stream.js';
import { SeededRandom } from '../random.js';
import { causalAttention, DEFAULT_GROUP_TOKENS, type AttentionLayout } from './grouped-attention.js';

/** Standard deviation of the weight initialisation (GPT-2); residual output projections get 1/√(2L) more. */
export const INIT_STD = 0.02;
const LAYER_NORM_EPSILON = 1e-5;
/** Weight decay applies to matrices only (not to biases, gains or position/embedding tables). */
export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly decay: boolean;
}

type Saver = (tensors: tf.Tensor[]) => void;

/**
 * Rank-2 matmul whose gradient uses explicit transposes: the wasm backend runs XNNPACK only for rank-2
 * products without transpose flags, and tf.matMul's own gradient sets them (3.5× slower, feasibility.md §1).
 */
export const matMul2d = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: Saver) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, sb.transpose()), tf.matMul(sa.transpose(), dy)];
    },
  };
}) as never) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** Column sums of [rows, n] (gradients of biases, gains and positions). */
export const sumRows = (x: tf.Tensor2D): tf.Tensor1D => x.sum(0);

/** x·W + b with the fast gradient (one fused forward kernel, three rank-2 kernels backward). */
export const linear = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: Saver) => {
  save([x, w]);
  return {
    value: tf.fused.matMul({ a: x, b: w, bias: b }),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      // [x, 1]ᵀ·dy gives dW and the bias gradient in one product (no transpose-and-reduce of dy).
      const rows = sx.shape[0];
      const [din, dout] = sw.shape;
      const augmented = tf.matMul(tf.concat([sx, tf.ones([rows, 1])], 1).transpose(), dy);
      return [tf.matMul(dy, sw.transpose()), augmented.slice([0, 0], [din, dout]), augmented.slice([din, 0], [1, dout]).reshape([dout])];
    },
  };
}) as never) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/**
 * LayerNorm over the feature axis with a hand-written gradient (half the kernels of autodiff, and the gain
 * and bias gradients as row-sum matmuls): dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·g.
 */
export const layerNorm = tf.customGrad(((x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D, save: Saver) => {
  const mean = x.mean(1, true);
  const centred = x.sub(mean);
  const rstd = centred.square().mean(1, true).add(LAYER_NORM_EPSILON).rsqrt();
  const normalised = centred.mul(rstd) as tf.Tensor2D;
  save([normalised, rstd, g]);
  return {
    value: normalised.mul(g).add(b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xhat, sr, sg] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const dxhat = dy.mul(sg);
      const dx = dxhat
        .sub(dxhat.mean(1, true))
        .sub(xhat.mul(dxhat.mul(xhat).mean(1, true)))
        .mul(sr);
      return [dx, sumRows(dy.mul(xhat) as tf.Tensor2D), sumRows(dy)];
    },
  };
}) as never) as unknown as (x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor2D;

/** x [sequences·T, d] + positions [T, d], with the positions' gradient as a row-sum matmul. */
const addPositions = tf.customGrad(((x: tf.Tensor2D, positions: tf.Tensor2D) => {
  const [T, d] = positions.shape;
  const sequences = x.shape[0] / T;
  return {
    value: x
      .reshape([sequences, T, d])
      .add(positions)
      .reshape([sequences * T, d]),
    gradFunc: (dy: tf.Tensor2D) => [dy, sumRows(dy.reshape([sequences, T * d])).reshape([T, d])],
  };
}) as never) as unknown as (x: tf.Tensor2D, positions: tf.Tensor2D) => tf.Tensor2D;

/** oneHot·wte, differentiated for wte only (the one-hot input needs no gradient: that would be a full [tokens, V] matmul). */
function embed(oneHot: tf.Tensor2D, wte: tf.Tensor2D): tf.Tensor2D {
  const lookup = tf.customGrad(((table: tf.Tensor2D, save: Saver) => {
    // Saved (not just captured): the forward pass's intermediates are disposed before backprop runs.
    save([oneHot]);
    return {
      value: tf.matMul(oneHot, table),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => [tf.matMul((saved[0] as tf.Tensor2D).transpose(), dy)],
    };
  }) as never) as unknown as (table: tf.Tensor2D) => tf.Tensor2D;
  return lookup(wte);
}

/** The parameter list of a shape, in a fixed order (checkpoints and optimiser state follow it). */
export function parameterSpecs(shape: TransformerShape): ParameterSpec[] {
  const { layers, modelDim: d, heads, headDim, ffDim: f, vocabSize: V, sequenceLength: T } = shape;
  const a = heads * headDim;
  const specs: ParameterSpec[] = [
    { name: 'wte', shape: [V, d], decay: true },
    { name: 'wpe', shape: [T, d], decay: false },
  ];
  for (let l = 0; l < layers; l += 1) {
    specs.push(
      { name: `h${l}.ln1.g`, shape: [d], decay: false },
      { name: `h${l}.ln1.b`, shape: [d], decay: false },
      { name: `h${l}.attn.wqkv`, shape: [d, 3 * a], decay: true },
      { name: `h${l}.attn.bqkv`, shape: [3 * a], decay: false },
      { name: `h${l}.attn.wo`, shape: [a, d], decay: true },
      { name: `h${l}.attn.bo`, shape: [d], decay: false },
      { name: `h${l}.ln2.g`, shape: [d], decay: false },
      { name: `h${l}.ln2.b`, shape: [d], decay: false },
      { name: `h${l}.mlp.w1`, shape: [d, f], decay: true },
      { name: `h${l}.mlp.b1`, shape: [f], decay: false },
      { name: `h${l}.mlp.w2`, shape: [f, d], decay: true },
      { name: `h${l}.mlp.b2`, shape: [d], decay: false },
    );
  }
  specs.push({ name: 'lnf.g', shape: [d], decay: false }, { name: 'lnf.b', shape: [d], decay: false });
  // Untied output head [d, V] (see the class comment for why it is not tied to wte).
  specs.push({ name: 'head', shape: [d, V], decay: true });
  return specs;
}

/** Seeded initial values (computed in JS, so they are identical on every backend). */
export function initialValues(shape: TransformerShape, seed: number): Float32Array[] {
  const random = new SeededRandom(seed);
  const residualStd = INIT_STD / Math.sqrt(2 * shape.layers);
  return parameterSpecs(shape).map((spec) => {
    const size = spec.shape.reduce((x, y) => x * y, 1);
    const values = new Float32Array(size);
    if (spec.name.endsWith('.g')) values.fill(1);
    else if (spec.shape.length === 2) {
      const std = spec.name.endsWith('.wo') || spec.name.endsWith('.w2') ? residualStd : spec.name === 'wpe' ? INIT_STD / 2 : INIT_STD;
      for (let i = 0; i < size; i += 1) values[i] = random.normal() * std;
    }
    return values;
  });
}

/**
 * Decoder-only transformer LM: pre-LN blocks, causal multi-head attention, GELU MLP, learned positions,
 * and an output head of its own. (Tied to the token embedding, the head makes the next-byte map a
 * symmetric product wte·wteᵀ at the start; small models then sit on a plateau at the unigram entropy for a
 * seed-dependent number of steps — 0.3 nats between two seeds at N = 4e4 in issue 11. Untied, the bigram
 * path is learned within a few dozen steps on every seed.) Activations are kept rank-2 ([tokens, features]) throughout and
 * attention is computed in groups of sequences as rank-2 products (see grouped-attention.ts), so every matmul
 * stays on the fast path of the wasm backend.
 */
export class TransformerModel {
  readonly specs: ParameterSpec[];
  readonly variables: tf.Variable[];
  private readonly byName: Map<string, tf.Variable>;
  private readonly attentionLayout: AttentionLayout;

  constructor(
    readonly shape: TransformerShape,
    seed: number,
    /** Tokens per attention group (see grouped-attention.ts); a speed setting, the function is the same. */
    groupTokens = DEFAULT_GROUP_TOKENS,
  ) {
    this.specs = parameterSpecs(shape);
    const values = initialValues(shape, seed);
    this.variables = tf.tidy(() => this.specs.map((spec, i) => tf.variable(tf.tensor(values[i]!, [...spec.shape]), true)));
    this.byName = new Map(this.specs.map((spec, i) => [spec.name, this.variables[i]!]));
    this.attentionLayout = { sequenceLength: shape.sequenceLength, heads: shape.heads, headDim: shape.headDim, groupTokens };
  }

  private p<R extends tf.Rank>(name: string): tf.Tensor<R> {
    return this.byName.get(name)! as unknown as tf.Tensor<R>;
  }

  private layerNorm(x: tf.Tensor2D, prefix: string): tf.Tensor2D {
    return layerNorm(x, this.p(`${prefix}.g`), this.p(`${prefix}.b`));
  }

  private attention(x: tf.Tensor2D, l: number): tf.Tensor2D {
    const qkv = linear(x, this.p(`h${l}.attn.wqkv`), this.p(`h${l}.attn.bqkv`));
    const [q, k, v] = tf.split(qkv, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const attended = causalAttention(q.mul(1 / Math.sqrt(this.shape.headDim)), k, v, this.attentionLayout);
    return linear(attended, this.p(`h${l}.attn.wo`), this.p(`h${l}.attn.bo`));
  }

  private mlp(x: tf.Tensor2D, l: number): tf.Tensor2D {
    const hidden = linear(x, this.p(`h${l}.mlp.w1`), this.p(`h${l}.mlp.b1`));
    // GELU, sigmoid form x·σ(1.702x) (Hendrycks & Gimpel 2016): two kernels instead of the tanh form's six.
    const activated = hidden.mul(hidden.mul(1.702).sigmoid());
    return linear(activated as tf.Tensor2D, this.p(`h${l}.mlp.w2`), this.p(`h${l}.mlp.b2`));
  }

  /** Summed negative log-likelihood (nats) of the batch's weighted targets; differentiable. */
  lossSum(batch: TokenBatch): tf.Scalar {
    const V = this.shape.vocabSize;
    const inputs = tf.oneHot(tf.tensor1d(batch.inputs, 'int32'), V).toFloat() as tf.Tensor2D; // float oneHot is broken on wasm
    const wte = this.p<tf.Rank.R2>('wte');
    let x = addPositions(embed(inputs, wte), this.p('wpe'));
    for (let l = 0; l < this.shape.layers; l += 1) {
      x = x.add(this.attention(this.layerNorm(x, `h${l}.ln1`), l));
      x = x.add(this.mlp(this.layerNorm(x, `h${l}.ln2`), l));
    }
    const logits = matMul2d(this.layerNorm(x, 'lnf'), this.p<tf.Rank.R2>('head'));
    const logProbs = tf.logSoftmax(logits);
    const targets = tf.oneHot(tf.tensor1d(batch.targets, 'int32'), V).toFloat();
    const nll = logProbs.mul(targets).sum(1).neg();
    return nll.mul(tf.tensor1d(batch.weights)).sum() as tf.Scalar;
  }

  /** Mean loss and gradients (same order as `variables`) of one batch. The caller disposes them. */
  lossAndGradients(batch: TokenBatch): { loss: tf.Scalar; gradients: tf.Tensor[] } {
    const { value, grads } = tf.variableGrads(() => this.lossSum(batch).div(batch.targetCount) as tf.Scalar, this.variables);
    return { loss: value, gradients: this.variables.map((v) => grads[v.name]!) };
  }

  /** Summed NLL of a batch without building a gradient tape (evaluation). */
  evaluateSum(batch: TokenBatch): number {
    const sum = tf.tidy(() => this.lossSum(batch));
    const value = sum.dataSync()[0]!;
    sum.dispose();
    return value;
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
