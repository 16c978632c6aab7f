import { FLOPS_PER_PARAM_TOKEN, trainingFlopsPerToken, type TransformerShape } from '@scaleplan/scaling-laws';

/**
 * Exact parameter counts of the transformer implemented in `../model/transformer.model.ts`.
 *
 * Per layer (attention width a = heads·headDim, d = modelDim, f = ffDim):
 * two LayerNorms (4d), the fused QKV projection (3·d·a + 3a), the output projection (a·d + d) and the
 * MLP (d·f + f + f·d + d), i.e. `4·a·d + 3a + 2·d·f + f + 6d`; plus the final LayerNorm (2d).
 * With a = d and f = 4d this is the familiar `12d² + 13d` per layer.
 * Embeddings: the token table (V·d), the untied output head (d·V) and the learned positions (T·d).
 */
export interface ParameterCount {
  /** Non-embedding parameters N (the scaling-law convention of Kaplan et al. and Hoffmann et al.). */
  readonly nonEmbedding: number;
  /** Token and position embeddings and the output head. */
  readonly embedding: number;
  /** Everything that is trained. */
  readonly total: number;
}

/** Non-embedding parameters of one transformer block. */
export function blockParameters(modelDim: number, attentionWidth: number, ffDim: number): number {
  const d = modelDim;
  const a = attentionWidth;
  const f = ffDim;
  return 4 * a * d + 3 * a + 2 * d * f + f + 6 * d;
}

/** Exact parameter counts of a model of this shape (see {@link ParameterCount}). */
export function countParameters(shape: TransformerShape): ParameterCount {
  const attentionWidth = shape.heads * shape.headDim;
  const nonEmbedding = shape.layers * blockParameters(shape.modelDim, attentionWidth, shape.ffDim) + 2 * shape.modelDim;
  const embedding = 2 * shape.vocabSize * shape.modelDim + shape.sequenceLength * shape.modelDim;
  return { nonEmbedding, embedding, total: nonEmbedding + embedding };
}

/**
 * Training FLOPs per token as budgets count them: 6·N with N the total parameter count, so C = 6·N·D
 * (docs/worker.md, "Parameter and FLOP accounting"). What a run's `flops` reports.
 */
export const budgetFlopsPerToken = (shape: TransformerShape): number => FLOPS_PER_PARAM_TOKEN * countParameters(shape).total;

/**
 * Training FLOPs per token of this shape: Chinchilla Appendix F forward terms ×3, without the
 * embedding lookup and logits (Kaplan's non-embedding convention; throughput benchmarks use it).
 */
export const modelFlopsPerToken = (shape: TransformerShape): number => trainingFlopsPerToken(shape);

/** Training FLOPs per token including the embedding matmul and the output logits (what the hardware really does). */
export const hardwareFlopsPerToken = (shape: TransformerShape): number => trainingFlopsPerToken(shape, { includeEmbeddingAndLogits: true });
