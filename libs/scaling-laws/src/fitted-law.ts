import type { Interval } from './fit/bootstrap.js';
import type { AllocationMapping } from './presets.js';

/**
 * The hand-over between fitting and allocating: a mapping together with the evidence of its
 * uncertainty. Fits (CLI, control plane, demo) produce it; allocations (CLI, budgets, REST,
 * dashboard) consume it, so every allocation can carry an interval and say where it came from.
 */

/** The paper's three fitting methods. */
export type FitMethod = 1 | 2 | 3;

/** Where a mapping came from: a fit of runs, or a published preset. */
export type MappingSource =
  | { readonly kind: 'fit'; readonly method: FitMethod; readonly runs: number; readonly fittedAt?: string }
  | { readonly kind: 'preset'; readonly name: string };

/** A published interval for a preset's frontier (e.g. Besiroglu et al. 2024's bootstrap), with its source. */
export interface PublishedUncertainty {
  /** interval of the exponent a of N_opt ∝ C^a */
  readonly a?: Interval;
  /** the level of the published interval, percentiles in percent (e.g. [2.5, 97.5]) */
  readonly percentiles: readonly [number, number];
  readonly source: string;
}

/** A mapping with its uncertainty: the point estimate and its converged bootstrap replicates. */
export interface FittedMapping {
  readonly source: MappingSource;
  /** the point estimate (fit on all runs, or the published values) */
  readonly mapping: AllocationMapping;
  /** converged bootstrap replicates; empty when there is none (then `published` or no interval at all) */
  readonly samples: readonly AllocationMapping[];
  /** percentiles of the intervals drawn from `samples`, in percent. @example [10, 90] */
  readonly percentiles: readonly [number, number];
  /** for presets: what the source published about its uncertainty, when it published anything */
  readonly published?: PublishedUncertainty;
}
