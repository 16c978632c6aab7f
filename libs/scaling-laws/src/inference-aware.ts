import { ScalingLawError } from './errors.js';
import { checkLossLaw, checkPositive, computeOptimalAllocation, type LossLaw } from './loss-law.js';
import { minimiseOnLogAxis } from './log-axis-minimum.js';
import { FLOPS_PER_PARAM_TOKEN } from './transformer-flops.js';

/**
 * Inference-aware allocation after Sardana, Portes, Doubov & Frankle 2024, "Beyond Chinchilla-Optimal"
 * (arXiv 2401.00448): for the loss ℓ the training-only optimum reaches at a budget C, find the model that
 * reaches ℓ with the fewest lifetime FLOPs, training (6·N per token) plus inference (2·N per token):
 * argmin over {N, D_tr : L(N, D_tr) = ℓ} of 6·N·D_tr + 2·N·D_inf. Under demand the answer is a smaller model
 * trained on more tokens; its training costs more than C, the inference it saves more than pays for it.
 */

/** Inference FLOPs per parameter per token (forward pass only). */
export const INFERENCE_FLOPS_PER_PARAM_TOKEN = 2;

/** One way to reach the target loss, with what it costs over its lifetime. */
export interface LifetimeCost {
  readonly params: number;
  /** training tokens D_tr */
  readonly tokens: number;
  readonly tokensPerParam: number;
  /** 6·N·D_tr */
  readonly trainingFlops: number;
  /** 2·N·D_inf */
  readonly inferenceFlops: number;
  readonly totalFlops: number;
}

/** The inference-aware optimum and the training-only optimum it is measured against. */
export interface InferenceAwareAllocation extends LifetimeCost {
  /** ℓ: the loss both reach (the training-only optimum's loss at the budget) */
  readonly loss: number;
  /** lifetime inference tokens D_inf */
  readonly inferenceTokens: number;
  /** the compute-optimal (Chinchilla) allocation of the budget, serving the same demand */
  readonly trainingOnly: LifetimeCost;
  /** 1 − total / trainingOnly.total: the share of lifetime FLOPs saved (≥ 0) */
  readonly saving: number;
}

function lifetimeCost(params: number, tokens: number, inferenceTokens: number): LifetimeCost {
  const trainingFlops = FLOPS_PER_PARAM_TOKEN * params * tokens;
  const inferenceFlops = INFERENCE_FLOPS_PER_PARAM_TOKEN * params * inferenceTokens;
  return { params, tokens, tokensPerParam: tokens / params, trainingFlops, inferenceFlops, totalFlops: trainingFlops + inferenceFlops };
}

/** Throws unless the lifetime inference demand is a finite number of tokens ≥ 0. */
export function checkDemand(inferenceTokens: number): void {
  if (!Number.isFinite(inferenceTokens))
    throw new ScalingLawError('NonFiniteInput', `inferenceTokens must be a finite number ≥ 0, got ${inferenceTokens}`);
  if (inferenceTokens < 0) throw new ScalingLawError('NonPositiveInput', `inferenceTokens must be ≥ 0, got ${inferenceTokens}`);
}

/**
 * D_tr such that L(N, D_tr) = ℓ: B/D^β = ℓ − E − A/N^α; +∞ when N is too small to ever reach ℓ.
 */
function tokensToReach(law: LossLaw, params: number, loss: number): number {
  const dataTerm = loss - law.irreducibleLoss - law.paramCoeff * params ** -law.paramExponent;
  return dataTerm > 0 ? (law.dataCoeff / dataTerm) ** (1 / law.dataExponent) : Number.POSITIVE_INFINITY;
}

/**
 * The inference-aware allocation of `flops` for a lifetime demand of `inferenceTokens` (Sardana et al. 2024).
 * Zero demand returns the compute-optimal allocation itself (it is the minimiser of 6·N·D at its own loss).
 */
export function computeInferenceAwareAllocation(law: LossLaw, flops: number, inferenceTokens: number): InferenceAwareAllocation {
  checkLossLaw(law);
  checkPositive(flops, 'flops');
  checkDemand(inferenceTokens);
  const free = computeOptimalAllocation(law, flops);
  const loss = free.loss as number;
  const trainingOnly = lifetimeCost(free.params, free.tokens, inferenceTokens);
  if (inferenceTokens === 0) return { ...trainingOnly, loss, inferenceTokens, trainingOnly, saving: 0 };
  // Along L = ℓ the training cost is smallest at the free optimum and the inference cost grows with N, so the
  // optimum lies between the smallest N that can reach ℓ at all and the free N_opt.
  const smallestParams = (law.paramCoeff / (loss - law.irreducibleLoss)) ** (1 / law.paramExponent);
  const total = (params: number): number => lifetimeCost(params, tokensToReach(law, params, loss), inferenceTokens).totalFlops;
  const params = minimiseOnLogAxis(total, smallestParams * (1 + 1e-9), free.params);
  const best = lifetimeCost(params, tokensToReach(law, params, loss), inferenceTokens);
  // The search never returns worse than its end point at the free optimum, up to rounding.
  const chosen = best.totalFlops <= trainingOnly.totalFlops ? best : trainingOnly;
  return { ...chosen, loss, inferenceTokens, trainingOnly, saving: Math.max(0, 1 - chosen.totalFlops / trainingOnly.totalFlops) };
}
