import { ScalingLawError } from './errors.js';
import { FLOPS_PER_PARAM_TOKEN } from './transformer-flops.js';

/**
 * Parametric loss L(N, D) = E + A·N^-α + B·D^-β in nats/token (Hoffmann et al. 2022, eq. 2).
 * Field names match `lossLawSchema` in `@scaleplan/contracts`.
 */
export interface LossLaw {
  /** E, the loss of an infinite model trained on infinite data */
  readonly irreducibleLoss: number;
  /** A */
  readonly paramCoeff: number;
  /** B */
  readonly dataCoeff: number;
  /** α */
  readonly paramExponent: number;
  /** β */
  readonly dataExponent: number;
}

/** One point of an allocation mapping: what to train for a FLOP budget. */
export interface Allocation {
  /** N_opt, parameters */
  readonly params: number;
  /** D_opt, training tokens */
  readonly tokens: number;
  /** the budget C the allocation spends, FLOPs */
  readonly flops: number;
  /** predicted loss at (N_opt, D_opt) in nats/token; null when the mapping has no loss law (power laws) */
  readonly loss: number | null;
  /** D_opt / N_opt */
  readonly tokensPerParam: number;
}

/**
 * Exponents and coefficient of the compute-optimal frontier of a loss law under C = 6·N·D
 * (Hoffmann et al. 2022, eq. 4): N_opt = G·(C/6)^a, D_opt = G⁻¹·(C/6)^b.
 */
export interface FrontierExponents {
  /** a = β/(α+β) */
  readonly a: number;
  /** b = α/(α+β) */
  readonly b: number;
  /** G = (αA/(βB))^(1/(α+β)) */
  readonly G: number;
}

/** Throws unless every field of the law is finite and A, B, α, β are positive (E may be 0). */
export function checkLossLaw(law: LossLaw): void {
  for (const key of ['irreducibleLoss', 'paramCoeff', 'dataCoeff', 'paramExponent', 'dataExponent'] as const) {
    const value = law[key];
    if (!Number.isFinite(value)) throw new ScalingLawError('NonFiniteInput', `loss law ${key} must be finite, got ${value}`);
    if (key === 'irreducibleLoss' ? value < 0 : value <= 0) {
      throw new ScalingLawError('NonPositiveInput', `loss law ${key} must be ${key === 'irreducibleLoss' ? '≥ 0' : '> 0'}, got ${value}`);
    }
  }
}

/** Throws unless `value` is a finite number > 0; `what` names it in the message. */
export function checkPositive(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new ScalingLawError('NonFiniteInput', `${what} must be a finite number > 0, got ${value}`);
  if (value <= 0) throw new ScalingLawError('NonPositiveInput', `${what} must be > 0, got ${value}`);
}

/** L(N, D) = E + A·N^-α + B·D^-β, nats/token. */
export const predictLoss = (law: LossLaw, params: number, tokens: number): number =>
  law.irreducibleLoss + law.paramCoeff * params ** -law.paramExponent + law.dataCoeff * tokens ** -law.dataExponent;

/** (a, b, G) of the closed-form frontier of `law` (Hoffmann et al. 2022, eq. 4). */
export function frontierExponents(law: LossLaw): FrontierExponents {
  checkLossLaw(law);
  const { paramExponent: alpha, dataExponent: beta } = law;
  const sum = alpha + beta;
  return {
    a: beta / sum,
    b: alpha / sum,
    G: ((alpha * law.paramCoeff) / (beta * law.dataCoeff)) ** (1 / sum),
  };
}

/**
 * Loss-minimising split of a FLOP budget under C = 6·N·D: the closed-form argmin of L(N, D)
 * subject to 6·N·D = C (Hoffmann et al. 2022, eq. 4). D_opt is computed as (C/6)/N_opt so that
 * 6·N_opt·D_opt reproduces C to rounding.
 */
export function computeOptimalAllocation(law: LossLaw, flops: number): Allocation {
  checkPositive(flops, 'flops');
  const { a, G } = frontierExponents(law);
  const paramTokenProduct = flops / FLOPS_PER_PARAM_TOKEN;
  const params = G * paramTokenProduct ** a;
  const tokens = paramTokenProduct / params;
  return { params, tokens, flops, loss: predictLoss(law, params, tokens), tokensPerParam: tokens / params };
}
