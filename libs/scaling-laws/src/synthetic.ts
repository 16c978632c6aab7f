import { ScalingLawError } from './errors.js';
import { computeOptimalAllocation, predictLoss, type LossLaw } from './loss-law.js';
import type { LossObservation } from './observations.js';
import { createRandom, standardNormal } from './random.js';
import { FLOPS_PER_PARAM_TOKEN } from './transformer-flops.js';

/** Options of `syntheticIsoFlopSweep`. */
export interface SyntheticSweepOptions {
  /** budgets, FLOPs. @default the nine Chinchilla budgets 6e18 … 3e21 */
  readonly budgets?: readonly number[];
  /** model sizes per budget, log-spaced. @default 9 */
  readonly sizesPerBudget?: number;
  /** the sizes span N_opt/√span … N_opt·√span. @default 8 */
  readonly span?: number;
  /** σ of multiplicative log-normal noise on each loss. @default 0 */
  readonly noise?: number;
  /** @default 0 */
  readonly seed?: number;
}

/** Chinchilla's IsoFLOP budgets (Hoffmann et al. 2022 §3.2, Fig. 4; science.md §1.3). */
export const CHINCHILLA_ISOFLOP_BUDGETS: readonly number[] = [6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21];

/**
 * A simulated IsoFLOP sweep from a known law (for tests of the fitters and for labelled simulated
 * runs): per budget, `sizesPerBudget` log-spaced sizes around the law's N_opt, D = C/(6N), loss from
 * the law times exp(σ·z) with seeded standard-normal z.
 */
export function syntheticIsoFlopSweep(law: LossLaw, options: SyntheticSweepOptions = {}): LossObservation[] {
  const budgets = options.budgets ?? CHINCHILLA_ISOFLOP_BUDGETS;
  const sizes = options.sizesPerBudget ?? 9;
  const span = options.span ?? 8;
  const noise = options.noise ?? 0;
  if (!Number.isInteger(sizes) || sizes < 3)
    throw new ScalingLawError('InvalidOption', `sizesPerBudget must be an integer ≥ 3, got ${sizes}`);
  if (!(span > 1)) throw new ScalingLawError('InvalidOption', `span must be > 1, got ${span}`);
  if (!(noise >= 0)) throw new ScalingLawError('InvalidOption', `noise must be ≥ 0, got ${noise}`);
  const random = createRandom(options.seed ?? 0);
  return budgets.flatMap((flops, b) => {
    const centre = computeOptimalAllocation(law, flops).params;
    return Array.from({ length: sizes }, (_, k) => {
      const params = centre * span ** (k / (sizes - 1) - 0.5);
      const tokens = flops / (FLOPS_PER_PARAM_TOKEN * params);
      const loss = predictLoss(law, params, tokens) * Math.exp(noise * standardNormal(random));
      return { params, tokens, loss, budgetFlops: flops, runId: `b${b}-n${k}` };
    });
  });
}
