import { ScalingLawError } from '../errors.js';
import { computeOptimalAllocation, type Allocation } from '../loss-law.js';
import { checkObservations, type LossObservation } from '../observations.js';
import { allocateWithPowerLaw, type PowerLawMapping } from '../power-law.js';
import { createRandom, resampleCounts, type RandomSource } from '../random.js';
import { toApproach3Data } from './approach3-objective.js';
import { fitApproach1, type Approach1Fit, type Approach1Options, type LossCurve } from './fit-approach1.js';
import { fitApproach2, type Approach2Fit, type Approach2Options } from './fit-approach2.js';
import { runFitSteps, type FitSteps } from './fit-steps.js';
import { residualResampler } from './residual-resampling.js';
import type { AllocationMapping } from '../presets.js';
import {
  APPROACH3_MIN_OBSERVATIONS,
  fitApproach3Data,
  fitApproach3DataSteps,
  resolveApproach3Options,
  startFromLossLaw,
  type Approach3Fit,
  type Approach3Options,
} from './fit-approach3.js';

/** Options shared by every bootstrap. */
export interface BootstrapOptions {
  /** resamples with replacement (K). @default 1000 */
  readonly resamples?: number;
  /** PRNG seed (mulberry32); same seed → same intervals. @default 0 */
  readonly seed?: number;
  /**
   * Lower and upper percentiles of the interval, in percent. The default 10/90 is what Hoffmann et al.
   * 2022 report in Table 2; use [2.5, 97.5] for a 95% interval. @default [10, 90]
   */
  readonly percentiles?: readonly [number, number];
  /** budgets (FLOPs) at which to give intervals for N_opt, D_opt and the predicted loss. @default [] */
  readonly budgets?: readonly number[];
}

/** A percentile interval (linear interpolation between order statistics, numpy's default). */
export interface Interval {
  readonly lower: number;
  readonly median: number;
  readonly upper: number;
}

/** Intervals for one requested budget. */
export interface AllocationInterval {
  readonly flops: number;
  readonly params: Interval;
  readonly tokens: Interval;
  /** null for power-law mappings without a loss frontier (Approach 1), which predict no loss */
  readonly loss: Interval | null;
}

/** A bootstrap's outcome: the full-data fit, and intervals from the replicates that converged. */
export interface BootstrapResult<Fit> {
  /** the fit on all the data */
  readonly fit: Fit;
  readonly resamples: number;
  /** replicates used for the intervals */
  readonly succeeded: number;
  /** replicates that did not converge or could not be fitted (too few sizes after resampling, …); not used */
  readonly failed: number;
  readonly percentiles: readonly [number, number];
  /** per quantity: the fitted parameters of the method, plus a, b (and G for Approach 3) */
  readonly intervals: Readonly<Record<string, Interval>>;
  readonly allocations: readonly AllocationInterval[];
  /** the converged replicates' mappings, in resampling order (the `samples` of a FittedMapping) */
  readonly samples: readonly AllocationMapping[];
  readonly warnings: readonly string[];
}

interface ResolvedBootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  readonly percentiles: readonly [number, number];
  readonly budgets: readonly number[];
}

function resolveBootstrapOptions(options: BootstrapOptions): ResolvedBootstrapOptions {
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const percentiles = options.percentiles ?? [10, 90];
  const budgets = options.budgets ?? [];
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new ScalingLawError('InvalidOption', `resamples must be an integer ≥ 1, got ${resamples}`);
  if (!Number.isInteger(seed)) throw new ScalingLawError('InvalidOption', `seed must be an integer, got ${seed}`);
  const [low, high] = percentiles;
  if (!(low >= 0 && high <= 100 && low < high))
    throw new ScalingLawError('InvalidOption', `percentiles must satisfy 0 ≤ lower < upper ≤ 100, got [${low}, ${high}]`);
  budgets.forEach((b, i) => {
    if (!(Number.isFinite(b) && b > 0))
      throw new ScalingLawError('InvalidOption', `budgets[${i}] must be a finite number of FLOPs > 0, got ${b}`);
  });
  return { resamples, seed, percentiles: [low, high], budgets };
}

/** The p-th percentile (0–100) of sorted values, linear interpolation. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const position = (p / 100) * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

/** Collects replicate values per quantity and turns them into intervals. */
class Replicates {
  private readonly values = new Map<string, number[]>();
  add(key: string, value: number): void {
    const list = this.values.get(key) ?? [];
    list.push(value);
    this.values.set(key, list);
  }
  interval(key: string, [low, high]: readonly [number, number]): Interval {
    const sorted = Float64Array.from(this.values.get(key) ?? []).sort();
    return { lower: percentile(sorted, low), median: percentile(sorted, 50), upper: percentile(sorted, high) };
  }
  keys(): string[] {
    return [...this.values.keys()];
  }
}

function addAllocations(replicates: Replicates, budgets: readonly number[], allocation: (flops: number) => Allocation): void {
  budgets.forEach((flops, i) => {
    const a = allocation(flops);
    replicates.add(`budget${i}.params`, a.params);
    replicates.add(`budget${i}.tokens`, a.tokens);
    if (a.loss !== null) replicates.add(`budget${i}.loss`, a.loss);
  });
}

function summarise<Fit>(
  fit: Fit,
  settings: ResolvedBootstrapOptions,
  replicates: Replicates,
  samples: readonly AllocationMapping[],
  failed: number,
  hasLoss: boolean,
): BootstrapResult<Fit> {
  const succeeded = samples.length;
  const intervals: Record<string, Interval> = {};
  for (const key of replicates.keys()) if (!key.startsWith('budget')) intervals[key] = replicates.interval(key, settings.percentiles);
  const allocations = settings.budgets.map((flops, i) => ({
    flops,
    params: replicates.interval(`budget${i}.params`, settings.percentiles),
    tokens: replicates.interval(`budget${i}.tokens`, settings.percentiles),
    loss: hasLoss ? replicates.interval(`budget${i}.loss`, settings.percentiles) : null,
  }));
  const warnings: string[] = [];
  if (failed > 0)
    warnings.push(`${failed} of ${settings.resamples} bootstrap replicates did not converge or could not be fitted and were left out`);
  if (succeeded < 2) warnings.push(`only ${succeeded} replicate(s) succeeded: the intervals are not meaningful`);
  return {
    fit,
    resamples: settings.resamples,
    succeeded,
    failed,
    percentiles: settings.percentiles,
    intervals,
    allocations,
    samples,
    warnings,
  };
}

function addPowerLaw(replicates: Replicates, mapping: PowerLawMapping, budgets: readonly number[]): void {
  replicates.add('paramCoeff', mapping.paramCoeff);
  replicates.add('a', mapping.paramExponent);
  replicates.add('tokenCoeff', mapping.tokenCoeff);
  replicates.add('b', mapping.tokenExponent);
  if (mapping.lossFrontier) replicates.add('lossFrontierExponent', mapping.lossFrontier.exponent);
  addAllocations(replicates, budgets, (flops) => allocateWithPowerLaw(mapping, flops));
}

/**
 * Bootstrap of Approach 3: the full-grid fit, then K resamples of the runs with replacement, each
 * refitted from the full-data optimum with the tight L-BFGS tolerances (a warm start that stops at
 * its start would make the intervals collapse; science.md §2–3). Replicates that do not converge are
 * counted in `failed` and left out.
 */
export function bootstrapApproach3(
  observations: readonly LossObservation[],
  options: BootstrapOptions & { readonly fit?: Approach3Options } = {},
): BootstrapResult<Approach3Fit> {
  return runFitSteps(bootstrapApproach3Steps(observations, options));
}

/** `bootstrapApproach3` as steps (yields inside the full-grid fit and after every replicate; see fit-steps.ts). */
export function* bootstrapApproach3Steps(
  observations: readonly LossObservation[],
  options: BootstrapOptions & { readonly fit?: Approach3Options } = {},
): FitSteps<BootstrapResult<Approach3Fit>> {
  checkObservations(observations, APPROACH3_MIN_OBSERVATIONS, 'Approach 3');
  const settings = resolveBootstrapOptions(options);
  const fitSettings = resolveApproach3Options(options.fit ?? {});
  const fit = yield* fitApproach3DataSteps(toApproach3Data(observations), fitSettings);
  const warm = { ...fitSettings, starts: [startFromLossLaw(fit.law)], extraStarts: [] };
  const random = createRandom(settings.seed);
  const counts = new Float64Array(observations.length);
  const replicates = new Replicates();
  const samples: AllocationMapping[] = [];
  for (let k = 0; k < settings.resamples; k++) {
    resampleCounts(observations.length, random, counts);
    const replicate = fitApproach3Data(toApproach3Data(observations, counts), warm);
    yield;
    if (!replicate.converged || replicate.frontier === null) continue;
    const { law, frontier } = replicate;
    samples.push({ kind: 'loss-law', law });
    replicates.add('irreducibleLoss', law.irreducibleLoss);
    replicates.add('paramCoeff', law.paramCoeff);
    replicates.add('dataCoeff', law.dataCoeff);
    replicates.add('paramExponent', law.paramExponent);
    replicates.add('dataExponent', law.dataExponent);
    replicates.add('a', frontier.a);
    replicates.add('b', frontier.b);
    replicates.add('G', frontier.G);
    addAllocations(replicates, settings.budgets, (flops) => computeOptimalAllocation(law, flops));
  }
  return summarise(fit, settings, replicates, samples, settings.resamples - samples.length, true);
}

function resampleRows<T>(rows: readonly T[], random: RandomSource): T[] {
  return rows.map(() => rows[Math.floor(random() * rows.length)]!);
}

/** Options of the Approach-2 bootstrap. */
export interface Approach2BootstrapOptions extends BootstrapOptions {
  readonly fit?: Approach2Options;
  /**
   * 'runs' resamples runs with replacement (Hoffmann et al.'s bootstrap; a resample that loses a budget's
   * minimum or third size counts as failed); 'residuals' keeps the design and resamples the parabolas'
   * residuals (`residualResampler`: every replicate can be fitted; for designed sweeps of few sizes), and falls
   * back to runs with a warning when no budget has more than 3 runs to measure the noise with. @default 'runs'
   */
  readonly resampling?: 'runs' | 'residuals';
}

/** Bootstrap of Approach 2: resample runs (or the parabolas' residuals) and refit. */
export function bootstrapApproach2(
  observations: readonly LossObservation[],
  options: Approach2BootstrapOptions = {},
): BootstrapResult<Approach2Fit> {
  return runFitSteps(bootstrapApproach2Steps(observations, options));
}

/** `bootstrapApproach2` as steps (one yield per replicate). */
export function bootstrapApproach2Steps(
  observations: readonly LossObservation[],
  options: Approach2BootstrapOptions = {},
): FitSteps<BootstrapResult<Approach2Fit>> {
  const resampling = options.resampling ?? 'runs';
  if (resampling !== 'runs' && resampling !== 'residuals')
    throw new ScalingLawError('InvalidOption', `resampling must be 'runs' or 'residuals', got ${String(resampling)}`);
  const fitRows = (rows: readonly LossObservation[]): Approach2Fit => fitApproach2(rows, options.fit);
  if (resampling === 'runs') return bootstrapPowerLawFitSteps(observations, fitRows, options);
  const { parabolas } = fitRows(observations); // a sweep Approach 2 cannot fit is refused here, with its reason
  let resample: (random: RandomSource) => LossObservation[];
  try {
    resample = residualResampler(observations, parabolas, options.fit?.budgetBandwidthDex);
  } catch (error) {
    if (!(error instanceof ScalingLawError)) throw error;
    return withWarning(bootstrapPowerLawFitSteps(observations, fitRows, options), `${error.message}; resampled runs instead`);
  }
  return bootstrapPowerLawFitSteps(observations, fitRows, options, resample);
}

function* withWarning<Fit>(steps: FitSteps<BootstrapResult<Fit>>, warning: string): FitSteps<BootstrapResult<Fit>> {
  const result = yield* steps;
  return { ...result, warnings: [...result.warnings, warning] };
}

/** Bootstrap of Approach 1 as steps (one yield per replicate): resample whole loss curves (runs) with replacement and refit. A resample repeats curves; one copy of each makes the same envelope. */
export function bootstrapApproach1Steps(
  curves: readonly LossCurve[],
  options: BootstrapOptions & { readonly fit?: Approach1Options } = {},
): FitSteps<BootstrapResult<Approach1Fit>> {
  return bootstrapPowerLawFitSteps(curves, (rows) => fitApproach1([...new Set(rows)], options.fit), options);
}

/**
 * The resampling loop shared by the power-law methods: refit on resampled rows (drawn with replacement unless
 * `resample` says otherwise); a resample the method refuses (a `ScalingLawError`, e.g. a budget left with too few sizes) counts as failed, not as data.
 */
function* bootstrapPowerLawFitSteps<Row, Fit extends Approach1Fit | Approach2Fit>(
  rows: readonly Row[],
  fitRows: (rows: readonly Row[]) => Fit,
  options: BootstrapOptions,
  resample: (random: RandomSource) => Row[] = (random) => resampleRows(rows, random),
): FitSteps<BootstrapResult<Fit>> {
  const settings = resolveBootstrapOptions(options);
  const fit = fitRows(rows);
  const random = createRandom(settings.seed);
  const replicates = new Replicates();
  const samples: AllocationMapping[] = [];
  for (let k = 0; k < settings.resamples; k++) {
    let replicate: Fit;
    try {
      replicate = fitRows(resample(random));
    } catch (error) {
      if (error instanceof ScalingLawError) continue;
      throw error;
    } finally {
      yield;
    }
    samples.push({ kind: 'power-law', powerLaw: replicate.mapping });
    addPowerLaw(replicates, replicate.mapping, settings.budgets);
  }
  return summarise(fit, settings, replicates, samples, settings.resamples - samples.length, fit.mapping.lossFrontier !== undefined);
}
