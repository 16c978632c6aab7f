import {
  checkLossLaw,
  checkPositive,
  computeOptimalAllocation,
  frontierExponents,
  predictLoss,
  type Allocation,
  type LossLaw,
} from './loss-law.js';
import { minimiseOnLogAxis } from './log-axis-minimum.js';
import { FLOPS_PER_PARAM_TOKEN } from './transformer-flops.js';

/**
 * Data-constrained allocation after Muennighoff et al. 2023, "Scaling Data-Constrained Language Models"
 * (arXiv 2305.16264, eq. 5): the loss law is evaluated at effective data D' and effective parameters N',
 * L = E + A/N'^α + B/D'^β. Repeated tokens are worth less than fresh ones (D'), and parameters beyond the
 * compute-optimal size for the unique data are worth less too (N'). Both terms matter: with the data term
 * alone, repetition only pushes towards larger models, which reverses the paper's advice.
 */

/** R*_D: repetitions (epochs beyond the first) after which repeated tokens are worth 1 − 1/e of fresh ones (fitted 15.39). */
export const REPETITION_HALF_LIFE_EPOCHS = 15.39;

/** R*_N: the same "half-life" for parameters in excess of the compute-optimal size for the unique data (fitted 5.31). */
export const EXCESS_PARAMS_HALF_LIFE = 5.31;

/** Epoch counts past which repetition stops paying (Muennighoff et al. 2023 §5–6). */
export const REPETITION_WARNING_EPOCHS = {
  /** up to ~4 epochs repeated data is almost as good as fresh; beyond, returns diminish */
  diminishing: 4,
  /** beyond ~16 epochs the value of repeated data decays fast */
  decaying: 16,
  /** beyond ~40 epochs more repetition is close to worthless */
  worthless: 40,
} as const;

/** Decay constants of eq. 5. */
export interface RepetitionHalfLives {
  /** R*_D @default 15.39 */
  readonly data?: number;
  /** R*_N @default 5.31 */
  readonly params?: number;
}

/** U + U·R*·(1 − e^(−R/R*)) with R = amount/U − 1; the amount itself while it does not exceed U. */
function effectiveAmount(amount: number, unique: number, halfLife: number): number {
  if (amount <= unique) return amount;
  const repetitions = amount / unique - 1;
  return unique + unique * halfLife * (1 - Math.exp(-repetitions / halfLife));
}

/**
 * Effective training tokens D' when D tokens are drawn from only U unique ones (Muennighoff et al. 2023):
 * D' = U + U·R*_D·(1 − e^(−R_D/R*_D)) with R_D = D/U − 1; D' = D while D ≤ U.
 */
export function effectiveTokens(tokens: number, uniqueTokens: number, halfLifeEpochs = REPETITION_HALF_LIFE_EPOCHS): number {
  checkPositive(tokens, 'tokens');
  checkPositive(uniqueTokens, 'uniqueTokens');
  checkPositive(halfLifeEpochs, 'halfLifeEpochs');
  return effectiveAmount(tokens, uniqueTokens, halfLifeEpochs);
}

/**
 * U_N: the compute-optimal parameter count for one pass over `uniqueTokens`, i.e. the N_opt of the budget
 * whose D_opt equals U_D on the closed-form frontier (N_opt = G·(C/6)^a, D_opt = (C/6)^b/G).
 */
export function uniqueParams(law: LossLaw, uniqueTokens: number): number {
  checkPositive(uniqueTokens, 'uniqueTokens');
  const { b, G } = frontierExponents(law);
  const paramTokenProduct = (uniqueTokens * G) ** (1 / b);
  return paramTokenProduct / uniqueTokens;
}

/**
 * Effective parameters N' (Muennighoff et al. 2023 eq. 5): N' = U_N + U_N·R*_N·(1 − e^(−R_N/R*_N)) with
 * R_N = N/U_N − 1 and U_N from {@link uniqueParams}; N' = N while N ≤ U_N.
 */
export function effectiveParams(params: number, uniqueParamCount: number, halfLife = EXCESS_PARAMS_HALF_LIFE): number {
  checkPositive(params, 'params');
  checkPositive(uniqueParamCount, 'uniqueParams');
  checkPositive(halfLife, 'params half-life');
  return effectiveAmount(params, uniqueParamCount, halfLife);
}

/** L(N', D') of eq. 5 for a model of `params` trained on `tokens` drawn from `uniqueTokens`. */
export function predictDataConstrainedLoss(
  law: LossLaw,
  params: number,
  tokens: number,
  uniqueTokens: number,
  halfLives: RepetitionHalfLives = {},
): number {
  const dataHalfLife = halfLives.data ?? REPETITION_HALF_LIFE_EPOCHS;
  const paramsHalfLife = halfLives.params ?? EXCESS_PARAMS_HALF_LIFE;
  return predictLoss(
    law,
    effectiveAmount(params, uniqueParams(law, uniqueTokens), paramsHalfLife),
    effectiveAmount(tokens, uniqueTokens, dataHalfLife),
  );
}

/** A data-constrained allocation: the split of C that minimises L(N', D') when only U tokens are unique. */
export interface DataConstrainedAllocation extends Allocation {
  /** D' for the allocated D (equal to D when no token repeats). */
  readonly effectiveTokens: number;
  /** N' for the allocated N (equal to N while N ≤ U_N). */
  readonly effectiveParams: number;
  /** U_N, the compute-optimal size for one pass over the unique data */
  readonly uniqueParams: number;
  /** D / U: passes (epochs) over the unique data. */
  readonly repetitionFactor: number;
  /** False when D_opt of the unconstrained law already fits in the unique data (the closed form is returned). */
  readonly constrained: boolean;
}

/**
 * Loss-minimising split of `flops` under C = 6ND when only `uniqueTokens` distinct tokens exist: minimises eq. 5
 * along the IsoFLOP curve. When the unconstrained D_opt fits in the unique data the closed form is returned as is
 * (then N ≤ U_N too, so eq. 5 equals the plain law there and nothing can beat it).
 */
export function computeDataConstrainedAllocation(
  law: LossLaw,
  flops: number,
  uniqueTokens: number,
  halfLives: RepetitionHalfLives = {},
): DataConstrainedAllocation {
  checkLossLaw(law);
  checkPositive(flops, 'flops');
  checkPositive(uniqueTokens, 'uniqueTokens');
  const dataHalfLife = halfLives.data ?? REPETITION_HALF_LIFE_EPOCHS;
  const paramsHalfLife = halfLives.params ?? EXCESS_PARAMS_HALF_LIFE;
  checkPositive(dataHalfLife, 'data half-life (R*_D)');
  checkPositive(paramsHalfLife, 'params half-life (R*_N)');
  const free = computeOptimalAllocation(law, flops);
  const unitParams = uniqueParams(law, uniqueTokens);
  if (free.tokens <= uniqueTokens) {
    return {
      ...free,
      effectiveTokens: free.tokens,
      effectiveParams: free.params,
      uniqueParams: unitParams,
      repetitionFactor: free.tokens / uniqueTokens,
      constrained: false,
    };
  }
  const paramTokenProduct = flops / FLOPS_PER_PARAM_TOKEN;
  const lossAt = (params: number): number =>
    predictLoss(
      law,
      effectiveAmount(params, unitParams, paramsHalfLife),
      effectiveAmount(paramTokenProduct / params, uniqueTokens, dataHalfLife),
    );
  // Repetition can move the optimum either way (N' caps oversized models, D' discounts repeated data), so the
  // search spans both sides of the free optimum, from one token per parameter-token product to one parameter.
  const params = minimiseOnLogAxis(lossAt, Math.max(1, free.params * 1e-4), Math.min(paramTokenProduct, free.params * 1e4));
  const tokens = paramTokenProduct / params;
  const effective = effectiveAmount(tokens, uniqueTokens, dataHalfLife);
  const effectiveN = effectiveAmount(params, unitParams, paramsHalfLife);
  return {
    params,
    tokens,
    flops,
    loss: predictLoss(law, effectiveN, effective),
    tokensPerParam: tokens / params,
    effectiveTokens: effective,
    effectiveParams: effectiveN,
    uniqueParams: unitParams,
    repetitionFactor: tokens / uniqueTokens,
    constrained: true,
  };
}

/**
 * What `epochs` passes over the unique data are worth, as a warning; undefined up to ~4 epochs, where
 * repeated data is almost as good as fresh (Muennighoff et al. 2023).
 */
export function repetitionWarning(epochs: number): string | undefined {
  const shown = epochs.toPrecision(3);
  if (epochs > REPETITION_WARNING_EPOCHS.worthless) {
    return `${shown} epochs over the unique data: beyond ~${REPETITION_WARNING_EPOCHS.worthless} epochs more repetition is close to worthless (Muennighoff et al. 2023); find more unique data or spend less compute`;
  }
  if (epochs > REPETITION_WARNING_EPOCHS.decaying) {
    return `${shown} epochs over the unique data: beyond ~${REPETITION_WARNING_EPOCHS.decaying} epochs the value of repeated data decays fast (Muennighoff et al. 2023)`;
  }
  if (epochs > REPETITION_WARNING_EPOCHS.diminishing) {
    return `${shown} epochs over the unique data: beyond ~${REPETITION_WARNING_EPOCHS.diminishing} epochs returns diminish (Muennighoff et al. 2023)`;
  }
  return undefined;
}
