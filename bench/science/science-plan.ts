/**
 * What `npm run bench:science` trains: IsoFLOP sweep runs at a few budgets, then, once the sweep is fitted,
 * the allocated model at a held-out budget with its two neighbours and seed replicates. Pure (no training,
 * no files), so the plan and the resume logic can be tested without a CPU-hour.
 *
 * Accounting (docs/worker.md, "Parameter and FLOP accounting"): N is the total parameter count (embeddings
 * and the tied output head included, Pearce & Song 2024) and C = 6·N·D.
 */
import { countParameters, smallestShape, solveShapeForTotalParams } from '@scaleplan/language-model/shapes';
import type { TransformerShape } from '@scaleplan/scaling-laws';

export const RunRole = { Sweep: 'sweep', Allocated: 'allocated', Smaller: 'half', Larger: 'double' } as const;
export type RunRole = (typeof RunRole)[keyof typeof RunRole];

/** One training run of the benchmark. `params` is the total parameter target; the solver picks the shape. */
export interface PlannedRun {
  readonly id: string;
  readonly role: RunRole;
  readonly budgetFlops: number;
  /** Total parameters N of the solved shape (exact). */
  readonly params: number;
  /** Non-embedding count of the solved shape. */
  readonly nonEmbeddingParams: number;
  /** The solved shape, trained as is (solving again from the non-embedding count can land on a neighbouring width). */
  readonly shape: TransformerShape;
  readonly tokens: number;
  readonly seed: number;
}

export interface SciencePlanOptions {
  /** Sweep budgets C (FLOPs, 6·N·D with N total). */
  readonly budgets: readonly number[];
  /** Sizes per budget, log-spaced over `spanFactor` around the prior optimum. */
  readonly sizesPerBudget: number;
  /** Ratio largest/smallest size at each budget. */
  readonly spanFactor: number;
  /** Prior tokens per parameter at the optimum: centres each budget's sizes at √(C / (6·ratio)). */
  readonly priorTokensPerParam: number;
  /** Seeds of every sweep point (≥ 2 gives a seed-noise estimate at every size). */
  readonly sweepSeeds: readonly number[];
  /**
   * More seeds for the sweep points of the cheap budgets (C ≤ `upToFlops`): the seed spread measured at every
   * size there, for a fraction of what replicating the whole sweep would cost.
   */
  readonly replicateSeeds?: { readonly seeds: readonly number[]; readonly upToFlops: number };
  readonly sequenceLength: number;
  readonly vocabSize: number;
}

/** Run id: role, budget and size in a form that sorts and reads well, plus the seed. */
export const runId = (role: RunRole, budgetFlops: number, params: number, seed: number): string =>
  `${role}-c${budgetFlops.toExponential(2)}-n${Math.round(params)}-s${seed}`.replace(/\+/g, '');

/** A run of `targetTotal` parameters at budget C: the solved shape's exact N and D = C / (6·N). */
export function planRun(
  role: RunRole,
  budgetFlops: number,
  targetTotal: number,
  seed: number,
  options: Pick<SciencePlanOptions, 'sequenceLength' | 'vocabSize'>,
): PlannedRun {
  const solved = solveShapeForTotalParams(targetTotal, { sequenceLength: options.sequenceLength, vocabSize: options.vocabSize });
  const params = solved.paramsTotal;
  const tokens = Math.round(budgetFlops / (6 * params));
  return {
    id: runId(role, budgetFlops, params, seed),
    role,
    budgetFlops,
    params,
    nonEmbeddingParams: solved.params,
    shape: solved.shape,
    tokens,
    seed,
  };
}

/**
 * The IsoFLOP sweep: `sizesPerBudget` log-spaced sizes per budget, centred on the prior optimum, every seed.
 * Where the lower end would fall below the smallest trainable model (a byte vocabulary's embedding alone is
 * 2K parameters at d_model 8), the sizes start just above it and keep their upper end.
 */
export function sweepRuns(options: SciencePlanOptions): PlannedRun[] {
  if (options.sizesPerBudget < 3)
    throw new Error(`sizesPerBudget must be at least 3 (a parabola needs three sizes), got ${options.sizesPerBudget}`);
  const shapeOptions = { sequenceLength: options.sequenceLength, vocabSize: options.vocabSize };
  const smallestTotal = countParameters(smallestShape(shapeOptions)).total * 1.02;
  const runs: PlannedRun[] = [];
  for (const budget of options.budgets) {
    const centre = Math.sqrt(budget / (6 * options.priorTokensPerParam));
    const upper = centre * Math.sqrt(options.spanFactor);
    const lower = Math.max(smallestTotal, centre / Math.sqrt(options.spanFactor));
    const seeds = [
      ...options.sweepSeeds,
      ...(options.replicateSeeds && budget <= options.replicateSeeds.upToFlops ? options.replicateSeeds.seeds : []),
    ];
    for (let i = 0; i < options.sizesPerBudget; i += 1) {
      const target = lower * (upper / lower) ** (i / (options.sizesPerBudget - 1));
      for (const seed of new Set(seeds)) runs.push(planRun(RunRole.Sweep, budget, target, seed, options));
    }
  }
  return runs;
}

/**
 * The held-out check at budget C: the allocated total size N* (all `seeds`), and N*÷2 and 2N* at the same
 * FLOPs (first seed).
 */
export function heldOutRuns(
  budgetFlops: number,
  allocatedParams: number,
  seeds: readonly number[],
  options: Pick<SciencePlanOptions, 'sequenceLength' | 'vocabSize'>,
): PlannedRun[] {
  return [
    ...seeds.map((seed) => planRun(RunRole.Allocated, budgetFlops, allocatedParams, seed, options)),
    planRun(RunRole.Smaller, budgetFlops, allocatedParams / 2, seeds[0]!, options),
    planRun(RunRole.Larger, budgetFlops, allocatedParams * 2, seeds[0]!, options),
  ];
}
