import { ScalingLawError } from './errors.js';

/** C ≈ 6·N·D for dense transformers: 2 FLOPs per multiply-accumulate, backward = 2× forward (Kaplan et al. 2020). */
export const FLOPS_PER_PARAM_TOKEN = 6;

/** The shape of a decoder-only transformer, as far as FLOP counting needs it. */
export interface TransformerShape {
  readonly layers: number;
  /** d_model */
  readonly modelDim: number;
  readonly heads: number;
  /** key/value size per head (Chinchilla's "kv_size"); heads·headDim is the attention width */
  readonly headDim: number;
  /** MLP hidden width (4·d_model in the standard shape) */
  readonly ffDim: number;
  readonly vocabSize: number;
  /** tokens per training sequence */
  readonly sequenceLength: number;
}

/** Forward FLOPs per token, term by term (Hoffmann et al. 2022, Appendix F, divided by the sequence length). */
export interface ForwardFlopsBreakdown {
  readonly embeddings: number;
  readonly attentionQkv: number;
  readonly attentionLogits: number;
  readonly attentionSoftmax: number;
  readonly attentionValues: number;
  readonly attentionOutput: number;
  readonly mlp: number;
  readonly logits: number;
  /** Sum of all terms (embedding and logit terms only when they were asked for). */
  readonly total: number;
}

export interface FlopCountOptions {
  /**
   * Count the embedding lookup and the final logits. Chinchilla's Table A4 ratios are reproduced only
   * without them (science.md §1.6), and 6ND does not count them either. @default false
   */
  readonly includeEmbeddingAndLogits?: boolean;
}

function checkShape(shape: TransformerShape): void {
  for (const [key, value] of Object.entries(shape)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new ScalingLawError('NonPositiveInput', `transformer shape field ${key} must be a positive integer, got ${value}`);
    }
  }
}

/** Forward-pass FLOPs per token of a decoder-only transformer (Chinchilla Appendix F terms). */
export function forwardFlopsPerToken(shape: TransformerShape, options: FlopCountOptions = {}): ForwardFlopsBreakdown {
  checkShape(shape);
  const { layers, modelDim: d, heads, headDim, ffDim, vocabSize, sequenceLength: seq } = shape;
  const attentionWidth = heads * headDim;
  const withEnds = options.includeEmbeddingAndLogits ?? false;
  const embeddings = withEnds ? 2 * vocabSize * d : 0;
  const attentionQkv = layers * 2 * 3 * d * attentionWidth;
  const attentionLogits = layers * 2 * seq * attentionWidth;
  const attentionSoftmax = layers * 3 * heads * seq;
  const attentionValues = layers * 2 * seq * attentionWidth;
  const attentionOutput = layers * 2 * attentionWidth * d;
  const mlp = layers * 2 * (d * ffDim + ffDim * d);
  const logits = withEnds ? 2 * d * vocabSize : 0;
  const total = embeddings + attentionQkv + attentionLogits + attentionSoftmax + attentionValues + attentionOutput + mlp + logits;
  return { embeddings, attentionQkv, attentionLogits, attentionSoftmax, attentionValues, attentionOutput, mlp, logits, total };
}

/** Training FLOPs per token: forward + backward, with the backward pass counted as 2× the forward. */
export const trainingFlopsPerToken = (shape: TransformerShape, options: FlopCountOptions = {}): number =>
  3 * forwardFlopsPerToken(shape, options).total;
