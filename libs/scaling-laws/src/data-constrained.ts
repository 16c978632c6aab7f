import { FLOPS_PER_PARAM_TOKEN } from './transformer-flops.js';
import { checkLossLaw, checkPositive, computeOptimalAllocation, predictLoss, type Allocation, type LossLaw } from './loss-law.js';

/**
 * R*_D: the "half-life" of repeated data in epochs beyond the first (Muennighoff et al. 2023, "Scaling
 * Data-Constrained Language Models", fitted value 15.39). After R*_D repetitions the repeated tokens are
 * worth 1 − 1/e of fresh ones; effective data saturates at U·(1 + R*_D).
 */
export const REPETITION_HALF_LIFE_EPOCHS = 15.39;

/**
 * Effective training tokens D' when D tokens are drawn from only U unique ones (Muennighoff et al. 2023):
 * D' = U + U·R*·(1 − e^(−R/R*)) with R = D/U − 1 repetitions; D' = D while D ≤ U.
 */
export function effectiveTokens(tokens: number, uniqueTokens: number, halfLifeEpochs = REPETITION_HALF_LIFE_EPOCHS): number {
  checkPositive(tokens, 'tokens');
  checkPositive(uniqueTokens, 'uniqueTokens');
  checkPositive(halfLifeEpochs, 'halfLifeEpochs');
  if (tokens <= uniqueTokens) return tokens;
  const repetitions = tokens / uniqueTokens - 1;
  return uniqueTokens + uniqueTokens * halfLifeEpochs * (1 - Math.exp(-repetitions / halfLifeEpochs));
}

/** A data-constrained allocation: the split of C that minimises L(N, D') when only U tokens are unique. */
export interface DataConstrainedAllocation extends Allocation {
  /** D' for the allocated D (equal to D when no token repeats). */
  readonly effectiveTokens: number;
  /** D / U: passes over the unique data. */
  readonly repetitionFactor: number;
  /** False when D_opt of the unconstrained law already fits in the unique data (the closed form is returned). */
  readonly constrained: boolean;
}

/** Golden-section steps: the bracket shrinks by 0.618 per step, so 120 steps take ~60 units of ln N below 1e-20. */
const GOLDEN_SECTION_STEPS = 120;
const INVERSE_GOLDEN_RATIO = (Math.sqrt(5) - 1) / 2;

/**
 * Loss-minimising split of `flops` under C = 6ND when only `uniqueTokens` distinct tokens exist: minimises
 * E + A/N^α + B/D'^β along the IsoFLOP curve, D' from {@link effectiveTokens}. Repetition makes data worth less,
 * so the optimum moves to larger models trained on fewer tokens. Only the data side of Muennighoff et al.'s
 * law is modelled (their excess-parameter term R*_N is not), which is the part a token limit acts on.
 */
export function computeDataConstrainedAllocation(
  law: LossLaw,
  flops: number,
  uniqueTokens: number,
  halfLifeEpochs = REPETITION_HALF_LIFE_EPOCHS,
): DataConstrainedAllocation {
  checkLossLaw(law);
  checkPositive(flops, 'flops');
  checkPositive(uniqueTokens, 'uniqueTokens');
  const free = computeOptimalAllocation(law, flops);
  if (free.tokens <= uniqueTokens) {
    return { ...free, effectiveTokens: free.tokens, repetitionFactor: free.tokens / uniqueTokens, constrained: false };
  }
  const paramTokenProduct = flops / FLOPS_PER_PARAM_TOKEN;
  const lossAt = (logParams: number): number => {
    const params = Math.exp(logParams);
    return predictLoss(law, params, effectiveTokens(paramTokenProduct / params, uniqueTokens, halfLifeEpochs));
  };
  // With D' ≤ D the data term only grows, so the constrained optimum has N ≥ the free one; it is unimodal in ln N
  // (a decreasing parameter term plus an increasing data term), and D = 1 token bounds it from above.
  let low = Math.log(free.params);
  let high = Math.log(paramTokenProduct);
  let inner1 = high - INVERSE_GOLDEN_RATIO * (high - low);
  let inner2 = low + INVERSE_GOLDEN_RATIO * (high - low);
  let loss1 = lossAt(inner1);
  let loss2 = lossAt(inner2);
  for (let step = 0; step < GOLDEN_SECTION_STEPS && high - low > 1e-13; step++) {
    if (loss1 <= loss2) {
      high = inner2;
      inner2 = inner1;
      loss2 = loss1;
      inner1 = high - INVERSE_GOLDEN_RATIO * (high - low);
      loss1 = lossAt(inner1);
    } else {
      low = inner1;
      inner1 = inner2;
      loss1 = loss2;
      inner2 = low + INVERSE_GOLDEN_RATIO * (high - low);
      loss2 = lossAt(inner2);
    }
  }
  const params = Math.exp(0.5 * (low + high));
  const tokens = paramTokenProduct / params;
  const effective = effectiveTokens(tokens, uniqueTokens, halfLifeEpochs);
  return {
    params,
    tokens,
    flops,
    loss: predictLoss(law, params, effective),
    tokensPerParam: tokens / params,
    effectiveTokens: effective,
    repetitionFactor: tokens / uniqueTokens,
    constrained: true,
  };
}
