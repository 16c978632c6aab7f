import { ScalingLawError } from '../errors.js';
import type { FitMethod, FittedMapping } from '../fitted-law.js';
import type { LossLaw } from '../loss-law.js';
import { checkObservations, type LossObservation } from '../observations.js';
import { allocate, type AllocationMapping } from '../presets.js';
import { FLOPS_PER_PARAM_TOKEN } from '../transformer-flops.js';
import {
  bootstrapApproach1Steps,
  bootstrapApproach2Steps,
  bootstrapApproach3Steps,
  type AllocationInterval,
  type BootstrapResult,
  type Interval,
} from './bootstrap.js';
import {
  budgetProfiles,
  EVIDENCE_MINIMUM,
  influenceSteps,
  lossLawResiduals,
  type FitDiagnostics,
  type InfluenceSubject,
} from './fit-diagnostics.js';
import { fitApproach1, type Approach1Fit, type Approach1Options, type LossCurve } from './fit-approach1.js';
import { fitApproach2, type Approach2Fit, type Approach2Options } from './fit-approach2.js';
import { APPROACH3_MIN_OBSERVATIONS, fitApproach3, startFromLossLaw, type Approach3Fit, type Approach3Options } from './fit-approach3.js';
import { runFitSteps, runFitStepsAsync, type FitSteps, type FitYieldOptions } from './fit-steps.js';
import { frontierOf } from './mapping-exponents.js';
import { DEFAULT_TRUST_THRESHOLDS, trustChecks, trustVerdict, type TrustThresholds, type TrustVerdict } from './trust-verdict.js';

/**
 * The one entry point for fitting scaling laws to runs (CLI, control plane, REST, demo): every
 * requested method, its bootstrap, its diagnostics and its trust verdict, and the FittedMapping that
 * allocations consume. Same runs and options → same numbers, wherever it is called from.
 */

/** Options of `fitScalingLaw`. */
export interface FitScalingLawOptions {
  /** methods to fit. @default [1, 2, 3] */
  readonly methods?: readonly FitMethod[];
  /** the method whose verdict decides (influential runs are searched for it only). @default 3 when requested, else the first */
  readonly primaryMethod?: FitMethod;
  /** real training curves for Approach 1 (one per run, as logged); without them Approach 1 refuses */
  readonly curves?: readonly LossCurve[];
  /** bootstrap resamples per method (0: no intervals, and nothing is judged against intervals). @default 100 */
  readonly resamples?: number;
  /** bootstrap seed. @default 0 */
  readonly seed?: number;
  /** interval percentiles, in percent. @default [10, 90] */
  readonly percentiles?: readonly [number, number];
  /** budgets (FLOPs) that use the law: allocations with intervals, the N_opt width check, and (the largest) the influence check. @default [] */
  readonly budgets?: readonly number[];
  /**
   * the budgets whose runs form IsoFLOP profiles: Approach 2's parabolas and the bracketing check read only
   * these. A training-curves sweep's shorter runs share budgets (C/16 for every size) whose profiles are not
   * centred on their minima; Approaches 1 and 3 still read every run. @default every budget
   */
  readonly isoFlopBudgets?: readonly number[];
  /** a previous Approach-3 optimum: it joins the start grid (never replaces it) */
  readonly warmStart?: LossLaw;
  readonly approach1?: Approach1Options;
  /** @default { smallBudgets: 'skip' } (a budget with < 3 sizes is left out with a warning) */
  readonly approach2?: Approach2Options;
  /**
   * how Approach 2's bootstrap resamples: the runs (conservative: its 80% intervals held the truth 83–93% of the
   * time on synthetic sweeps, but with 5 sizes per budget 73% of replicates lose a budget's third size) or the
   * parabolas' residuals (every replicate fits, but with 5 sizes per budget the 80% interval held the truth
   * only 65–78% of the time: `npm run bench:intervals`). @default 'runs'
   */
  readonly approach2Resampling?: 'runs' | 'residuals';
  readonly approach3?: Approach3Options;
  readonly thresholds?: Partial<TrustThresholds>;
  /** search for influential runs in the primary method (leave-one-out refits). @default true */
  readonly influence?: boolean;
  /** stamped on the FittedMappings' source */
  readonly fittedAt?: string;
}

/** One method's outcome. */
export interface MethodFitResult {
  readonly method: FitMethod;
  readonly primary: boolean;
  /** runs (Approach 1: curves) given to the method */
  readonly runs: number;
  /** the full-data fit; null when the method refused the runs */
  readonly fit: Approach1Fit | Approach2Fit | Approach3Fit | null;
  readonly refused: { readonly code: string; readonly message: string } | null;
  readonly converged: boolean;
  readonly a: number | null;
  readonly b: number | null;
  readonly objective: number | null;
  /** bootstrap intervals per quantity: a, b, and the method's parameters (loss law: irreducibleLoss, paramCoeff, dataCoeff, paramExponent, dataExponent, G; power laws: paramCoeff, tokenCoeff) */
  readonly intervals: Readonly<Record<string, Interval>>;
  /** the point allocation at each requested budget, with its bootstrap interval when there was a bootstrap */
  readonly allocations: readonly (Omit<AllocationInterval, 'params' | 'tokens' | 'loss'> & {
    readonly params: number;
    readonly tokens: number;
    readonly loss: number | null;
    readonly intervals: { readonly params: Interval; readonly tokens: Interval; readonly loss: Interval | null } | null;
  })[];
  readonly bootstrap: {
    readonly resamples: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly percentiles: readonly [number, number];
  } | null;
  /** the hand-over to allocations; null when the method refused the runs or has no frontier */
  readonly fitted: FittedMapping | null;
  readonly diagnostics: FitDiagnostics;
  readonly verdict: TrustVerdict;
  readonly warnings: readonly string[];
}

/** Everything `fitScalingLaw` found. */
export interface ScalingLawFitResult {
  readonly primaryMethod: FitMethod;
  readonly methods: readonly MethodFitResult[];
  readonly budgets: readonly number[];
  readonly resamples: number;
  readonly seed: number;
  readonly percentiles: readonly [number, number];
}

/** Fits synchronously (CLI). */
export function fitScalingLaw(observations: readonly LossObservation[], options: FitScalingLawOptions = {}): ScalingLawFitResult {
  return runFitSteps(fitScalingLawSteps(observations, options));
}

/** Fits with a pause every `yieldEvery` steps (control plane: the event loop keeps serving requests). */
export function fitScalingLawAsync(
  observations: readonly LossObservation[],
  options: FitScalingLawOptions = {},
  yielding: FitYieldOptions = {},
): Promise<ScalingLawFitResult> {
  return runFitStepsAsync(fitScalingLawSteps(observations, options), yielding);
}

const METHODS: readonly FitMethod[] = [1, 2, 3];

function resolveMethods(options: FitScalingLawOptions): { methods: FitMethod[]; primary: FitMethod } {
  const methods = [...new Set(options.methods ?? METHODS)].sort();
  if (methods.length === 0) throw new ScalingLawError('InvalidOption', 'methods must name at least one of 1, 2, 3');
  for (const m of methods)
    if (!METHODS.includes(m)) throw new ScalingLawError('InvalidOption', `unknown method ${String(m)}; known methods: 1, 2, 3`);
  const primary = options.primaryMethod ?? (methods.includes(3) ? 3 : methods[0]!);
  if (!METHODS.includes(primary))
    throw new ScalingLawError('InvalidOption', `unknown primaryMethod ${String(primary)}; known methods: 1, 2, 3`);
  return { methods, primary };
}

/** One method's fit and bootstrap, before the cross-method diagnostics. */
interface FittedMethod {
  readonly method: FitMethod;
  readonly runs: number;
  readonly boot: BootstrapResult<Approach1Fit | Approach2Fit | Approach3Fit> | null;
  readonly refused: { code: string; message: string } | null;
  readonly subject: InfluenceSubject | null;
}

const compareText = (p: string | undefined, q: string | undefined): number => ((p ?? '') < (q ?? '') ? -1 : (p ?? '') > (q ?? '') ? 1 : 0);
const canonicalOrder = (p: LossObservation, q: LossObservation): number =>
  (p.budgetFlops ?? 0) - (q.budgetFlops ?? 0) ||
  p.params - q.params ||
  p.tokens - q.tokens ||
  compareText(p.runId, q.runId) ||
  p.loss - q.loss;

const mappingOf = (fit: Approach1Fit | Approach2Fit | Approach3Fit): AllocationMapping =>
  fit.method === 'approach3' ? { kind: 'loss-law', law: fit.law } : { kind: 'power-law', powerLaw: fit.mapping };

/** A method's refusal of its input (a ScalingLawError); anything else is a bug and is rethrown. */
const refusal = (error: unknown): { code: string; message: string } => {
  if (error instanceof ScalingLawError) return { code: error.code, message: error.message };
  throw error;
};

/** A refit on a subset, or null when the method refuses the subset (e.g. a budget left with too few sizes). */
function refusedAsNull(refit: () => AllocationMapping): AllocationMapping | null {
  try {
    return refit();
  } catch (error) {
    refusal(error);
    return null;
  }
}

/** The fit as steps (see fit-steps.ts); `fitScalingLaw` and `fitScalingLawAsync` run them. */
export function* fitScalingLawSteps(input: readonly LossObservation[], options: FitScalingLawOptions = {}): FitSteps<ScalingLawFitResult> {
  checkObservations(input, 0, 'fitScalingLaw');
  // One canonical order, so the bootstrap draws the same resamples whatever order the caller read the runs in
  // (a CSV export, the run store): same runs + same seed → same numbers in the CLI, REST and the status.
  const observations = [...input].sort(canonicalOrder);
  const { methods, primary } = resolveMethods(options);
  const resamples = options.resamples ?? 100;
  const seed = options.seed ?? 0;
  const percentiles = options.percentiles ?? [10, 90];
  const budgets = [...(options.budgets ?? [])];
  const thresholds = { ...DEFAULT_TRUST_THRESHOLDS, ...options.thresholds };
  const isoFlop = options.isoFlopBudgets ? new Set(options.isoFlopBudgets) : undefined;
  const profileRows = isoFlop ? observations.filter((o) => o.budgetFlops !== undefined && isoFlop.has(o.budgetFlops)) : observations;
  const profiles = budgetProfiles(profileRows);
  // The influence check compares N_opt at the largest budget that uses the law (else the largest budget run).
  const influenceFlops = budgets.length
    ? Math.max(...budgets)
    : Math.max(0, ...observations.map((o) => o.budgetFlops ?? FLOPS_PER_PARAM_TOKEN * o.params * o.tokens));
  const bootBudgets = budgets.includes(influenceFlops) || !(influenceFlops > 0) ? budgets : [...budgets, influenceFlops];
  // bootstrap*Steps need ≥ 1 resample; with 0 the fit runs alone (boot.succeeded = 0, no intervals used).
  const boot = { resamples: Math.max(1, resamples), seed, percentiles, budgets: bootBudgets };
  const runIds = observations.map((o, i) => o.runId ?? `row-${i}`);

  const fitted: FittedMethod[] = [];
  for (const method of methods) {
    try {
      if (method === 3) {
        const fitOptions: Approach3Options = {
          ...options.approach3,
          ...(options.warmStart ? { extraStarts: [startFromLossLaw(options.warmStart)] } : {}),
        };
        const result = yield* bootstrapApproach3Steps(observations, { ...boot, fit: fitOptions });
        const warm = { ...options.approach3, starts: [startFromLossLaw(result.fit.law)], extraStarts: [] };
        const subject: InfluenceSubject = {
          runIds,
          mapping: mappingOf(result.fit),
          refit: (keep) => {
            const rows = observations.filter((_, i) => keep(i));
            if (rows.length < APPROACH3_MIN_OBSERVATIONS) return null;
            const f = fitApproach3(rows, warm);
            return f.converged && f.frontier ? mappingOf(f) : null;
          },
          residuals: lossLawResiduals(observations),
        };
        fitted.push({ method, runs: observations.length, boot: result, refused: null, subject });
      } else if (method === 2) {
        const fitOptions: Approach2Options = options.approach2 ?? { smallBudgets: 'skip' };
        const result = yield* bootstrapApproach2Steps(profileRows, {
          ...boot,
          fit: fitOptions,
          resampling: options.approach2Resampling ?? 'runs',
        });
        const subject: InfluenceSubject = {
          runIds: profileRows.map((o) => runIds[observations.indexOf(o)]!),
          mapping: mappingOf(result.fit),
          refit: (keep) =>
            refusedAsNull(() =>
              mappingOf(
                fitApproach2(
                  profileRows.filter((_, i) => keep(i)),
                  fitOptions,
                ),
              ),
            ),
        };
        fitted.push({ method, runs: profileRows.length, boot: result, refused: null, subject });
      } else {
        const curves = [...(options.curves ?? [])].sort((p, q) => p.params - q.params || compareText(p.runId, q.runId));
        const result = yield* bootstrapApproach1Steps(curves, { ...boot, fit: options.approach1 });
        const subject: InfluenceSubject = {
          runIds: curves.map((c) => c.runId),
          mapping: mappingOf(result.fit),
          refit: (keep) =>
            refusedAsNull(() =>
              mappingOf(
                fitApproach1(
                  curves.filter((_, i) => keep(i)),
                  options.approach1,
                ),
              ),
            ),
        };
        fitted.push({ method, runs: curves.length, boot: result, refused: null, subject });
      }
    } catch (error) {
      fitted.push({
        method,
        runs: method === 1 ? (options.curves ?? []).length : method === 2 ? profileRows.length : observations.length,
        boot: null,
        refused: refusal(error),
        subject: null,
      });
    }
  }

  const results: MethodFitResult[] = [];
  for (const m of fitted) {
    const fit = m.boot?.fit ?? null;
    const hasIntervals = resamples > 0 && m.boot !== null && m.boot.succeeded >= 2;
    const intervals = hasIntervals ? m.boot!.intervals : {};
    const mapping = fit ? mappingOf(fit) : null;
    const frontier = mapping ? frontierOf(mapping) : null;
    const converged = fit !== null && fit.converged && frontier !== null;
    const allocationAt = (flops: number, i: number) => {
      const point = allocate(mapping!, flops);
      const interval = hasIntervals ? m.boot!.allocations[i] : undefined;
      return {
        flops,
        params: point.params,
        tokens: point.tokens,
        loss: point.loss,
        intervals: interval ? { params: interval.params, tokens: interval.tokens, loss: interval.loss } : null,
      };
    };
    const allAllocations = mapping && frontier ? bootBudgets.map(allocationAt) : [];
    const influenceAllocation = allAllocations.find((a) => a.flops === influenceFlops);

    let influence: FitDiagnostics['influence'] = null;
    if (m.method === primary && m.subject && converged && options.influence !== false && influenceFlops > 0) {
      influence = yield* influenceSteps(m.subject, influenceFlops, {
        ...(intervals.a ? { a: intervals.a } : {}),
        ...(influenceAllocation?.intervals ? { nOpt: influenceAllocation.intervals.params } : {}),
      });
    }
    const law = fit?.method === 'approach3' ? fit.law : null;
    const lowestLoss = Math.min(...observations.map((o) => o.loss));
    const evidence =
      m.method === 1
        ? {
            count: fit?.method === 'approach1' ? new Set(fit.envelope.map((e) => e.params)).size : 0,
            minimum: EVIDENCE_MINIMUM[1],
            unit: 'model sizes in the envelope',
          }
        : m.method === 2
          ? {
              count: fit?.method === 'approach2' ? fit.parabolas.filter((p) => p.minimumParams !== null).length : 0,
              minimum: EVIDENCE_MINIMUM[2],
              unit: 'budgets with a loss minimum',
            }
          : { count: m.runs, minimum: EVIDENCE_MINIMUM[3], unit: 'runs' };
    const diagnostics: FitDiagnostics = {
      method: m.method,
      runs: m.runs,
      ...(m.refused ? { refused: m.refused.message } : {}),
      converged,
      ...(fit && !converged ? { convergenceNote: fit.warnings.join('; ') || 'no compute-optimal frontier' } : {}),
      evidence,
      budgets: profiles,
      ...(law ? { irreducibleLoss: { value: law.irreducibleLoss, lowestLoss, collapsed: law.irreducibleLoss < 1e-3 * lowestLoss } } : {}),
      exponents: { a: frontier?.a ?? null, b: frontier?.b ?? null, ...(law ? { alpha: law.paramExponent, beta: law.dataExponent } : {}) },
      ...(intervals.a ? { aInterval: intervals.a } : {}),
      nOpt: budgets.flatMap((flops) => {
        const a = allAllocations.find((x) => x.flops === flops);
        if (!a) return [];
        const interval = a.intervals?.params;
        return [{ flops, params: a.params, ...(interval ? { interval, ratio: interval.upper / interval.lower } : {}) }];
      }),
      bootstrap: m.boot && resamples > 0 ? { resamples: m.boot.resamples, succeeded: m.boot.succeeded } : null,
      agreement: [],
      influence,
    };
    results.push({
      method: m.method,
      primary: m.method === primary,
      runs: m.runs,
      fit,
      refused: m.refused,
      converged,
      a: frontier?.a ?? null,
      b: frontier?.b ?? null,
      objective: fit?.objective ?? null,
      intervals,
      allocations: allAllocations.filter((a) => budgets.includes(a.flops)),
      bootstrap:
        m.boot && resamples > 0
          ? { resamples: m.boot.resamples, succeeded: m.boot.succeeded, failed: m.boot.failed, percentiles: m.boot.percentiles }
          : null,
      fitted:
        mapping && frontier
          ? {
              source: { kind: 'fit', method: m.method, runs: m.runs, ...(options.fittedAt ? { fittedAt: options.fittedAt } : {}) },
              mapping,
              samples: resamples > 0 ? (m.boot?.samples ?? []) : [],
              ...(resamples > 0 ? { resamples } : {}),
              percentiles,
            }
          : null,
      diagnostics,
      verdict: trustVerdict([]),
      warnings: [...(fit?.warnings ?? []), ...(resamples > 0 ? (m.boot?.warnings ?? []) : [])],
    });
  }

  // Agreement needs every method's a: filled in once all are fitted, then the verdicts.
  return {
    primaryMethod: primary,
    methods: results.map((r) => {
      const agreement = results
        .filter((o) => o.method !== r.method && o.converged && o.a !== null && r.a !== null)
        .map((o) => {
          const mine = r.intervals.a;
          const theirs = o.intervals.a;
          const agrees = mine && theirs ? mine.lower <= theirs.upper && theirs.lower <= mine.upper : Math.abs(o.a! - r.a!) <= 0.05;
          return { method: o.method, a: o.a!, ...(theirs ? { aInterval: theirs } : {}), agrees };
        });
      const diagnostics = { ...r.diagnostics, agreement: r.converged ? agreement : [] };
      return { ...r, diagnostics, verdict: trustVerdict(trustChecks(diagnostics, thresholds)) };
    }),
    budgets,
    resamples,
    seed,
    percentiles,
  };
}
