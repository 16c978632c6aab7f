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

/**
 * A published interval of a preset's frontier exponent a (N_opt ∝ C^a), with where it comes from. Allocations
 * turn it into an interval of N_opt at a budget C by moving the exponent within its interval around the
 * compute the published fit is pinned at: N(C) = N_point(C)·(C/anchorFlops)^(a′ − a_median), a′ ∈ [lower, upper]
 * (D = C/6N follows). It widens with distance from the fitted runs, as a bootstrap's interval does; the
 * uncertainty of N_opt at the anchor itself is not published and is left out.
 */
export interface PublishedUncertainty {
  /** interval of the exponent a; `median` is the published central value */
  readonly a: Interval;
  /** the level of the interval, percentiles in percent (e.g. [2.5, 97.5]) */
  readonly percentiles: readonly [number, number];
  /** FLOPs at the middle of the runs the published fit used (log scale): where the interval of N_opt is narrowest */
  readonly anchorFlops: number;
  /** who published it (paper, table) */
  readonly source: string;
  /** how the interval was obtained and what to make of it (derived from SEs, implausibly narrow, …) */
  readonly note?: string;
}

/** A mapping with its uncertainty: the point estimate and its converged bootstrap replicates. */
export interface FittedMapping {
  readonly source: MappingSource;
  /** the point estimate (fit on all runs, or the published values) */
  readonly mapping: AllocationMapping;
  /** converged bootstrap replicates; empty when there is none (then `published` or no interval at all) */
  readonly samples: readonly AllocationMapping[];
  /** bootstrap resamples attempted (≥ samples.length; the rest did not converge); absent when there was no bootstrap */
  readonly resamples?: number;
  /** percentiles of the intervals drawn from `samples`, in percent. @example [10, 90] */
  readonly percentiles: readonly [number, number];
  /** for presets: what the source published about its uncertainty, when it published anything */
  readonly published?: PublishedUncertainty;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const LOSS_LAW_KEYS = ['irreducibleLoss', 'paramCoeff', 'dataCoeff', 'paramExponent', 'dataExponent'] as const;
const POWER_LAW_KEYS = ['paramCoeff', 'paramExponent', 'tokenCoeff', 'tokenExponent'] as const;

/** Why a value read from a file is not an allocation mapping, or undefined when it is one. */
function mappingProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'not an object';
  const numbers = (record: unknown, keys: readonly string[]): string | undefined => {
    if (!isRecord(record)) return 'missing';
    const bad = keys.find((key) => typeof record[key] !== 'number' || !Number.isFinite(record[key]));
    return bad === undefined ? undefined : `${bad} is not a finite number`;
  };
  if (value.kind === 'loss-law') {
    const problem = numbers(value.law, LOSS_LAW_KEYS);
    return problem && `law: ${problem}`;
  }
  if (value.kind === 'power-law') {
    const problem = numbers(value.powerLaw, POWER_LAW_KEYS);
    return problem && `powerLaw: ${problem}`;
  }
  return `kind must be "loss-law" or "power-law", got ${JSON.stringify(value.kind)}`;
}

/**
 * A {@link FittedMapping} from untrusted JSON (a file saved by `scaleplan fit --json`), or the reason it is
 * not one: the mapping, every replicate, the percentiles and the source are checked, nothing is assumed.
 */
export function parseFittedMapping(value: unknown): { ok: true; fitted: FittedMapping } | { ok: false; reason: string } {
  if (!isRecord(value)) return { ok: false, reason: 'not an object' };
  const mapping = mappingProblem(value.mapping);
  if (mapping) return { ok: false, reason: `mapping: ${mapping}` };
  if (!Array.isArray(value.samples)) return { ok: false, reason: 'samples: not a list' };
  const badSample = value.samples.findIndex((sample) => mappingProblem(sample) !== undefined);
  if (badSample >= 0) return { ok: false, reason: `samples[${badSample}]: ${mappingProblem(value.samples[badSample])}` };
  const percentiles = value.percentiles;
  if (
    !Array.isArray(percentiles) ||
    percentiles.length !== 2 ||
    !(percentiles[0] >= 0 && percentiles[1] <= 100 && percentiles[0] < percentiles[1])
  ) {
    return { ok: false, reason: 'percentiles: must be [lower, upper] with 0 ≤ lower < upper ≤ 100' };
  }
  const source = value.source;
  if (
    !isRecord(source) ||
    !(
      (source.kind === 'fit' && [1, 2, 3].includes(source.method as number)) ||
      (source.kind === 'preset' && typeof source.name === 'string')
    )
  ) {
    return { ok: false, reason: 'source: must be {kind: "fit", method: 1|2|3, runs} or {kind: "preset", name}' };
  }
  if (value.resamples !== undefined && !(Number.isInteger(value.resamples) && (value.resamples as number) >= value.samples.length)) {
    return { ok: false, reason: 'resamples: must be an integer ≥ the number of samples' };
  }
  return { ok: true, fitted: value as unknown as FittedMapping };
}
