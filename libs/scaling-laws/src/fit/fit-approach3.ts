import { ScalingLawError } from '../errors.js';
import { createLbfgsSolver, type LbfgsOptions } from '../lbfgs.js';
import { frontierExponents, type FrontierExponents, type LossLaw } from '../loss-law.js';
import { checkObservations, type LossObservation } from '../observations.js';
import { approach3Objective, toApproach3Data, type Approach3Data } from './approach3-objective.js';
import { runFitSteps, type FitSteps } from './fit-steps.js';

/** A starting point in the optimiser's coordinates: A = eᵃ, B = eᵇ, E = eᵉ. */
export interface Approach3Start {
  readonly a: number;
  readonly b: number;
  readonly e: number;
  readonly alpha: number;
  readonly beta: number;
}

/** Options of `fitApproach3`. */
export interface Approach3Options {
  /** Huber threshold on ln-loss residuals (Hoffmann et al. 2022 App. D.2). @default 1e-3 */
  readonly huberDelta?: number;
  /** Starting points; the best converged local optimum wins. @default APPROACH3_DEFAULT_GRID (4,500 starts) */
  readonly starts?: readonly Approach3Start[];
  /**
   * L-BFGS settings. The defaults are absolute and tight (max |∇f| ≤ 1e-10), so a warm start does
   * not stop where it began. @default {} (see LbfgsOptions)
   */
  readonly lbfgs?: LbfgsOptions;
  /**
   * Two-stage search: every start first runs to a loose stop (`screening`), then the `polishCount`
   * best distinct screened optima are refined with the tight `lbfgs` settings and the best converged
   * one wins. Most of a start's iterations are spent creeping to a tight tolerance in a basin that
   * loses anyway, so screening cuts the full-grid time ~5× and still ends at the tight optimum.
   * `false` runs every start to the tight tolerance. Used only when there are more starts than
   * `polishCount`. @default { relativeDecreaseTolerance: 1e-5, gradientTolerance: 1e-6 }
   */
  readonly screening?: false | Pick<LbfgsOptions, 'relativeDecreaseTolerance' | 'gradientTolerance' | 'maxIterations'>;
  /** screened optima refined to the tight tolerance. @default 20 */
  readonly polishCount?: number;
  /**
   * Warm starts (e.g. the previous fit's optimum) that join the `starts`: each is refined with the tight
   * settings and competes with the grid's winner, so a refit never ends at a worse objective than a
   * fresh fit from `starts` alone. They never replace the grid. @default []
   */
  readonly extraStarts?: readonly Approach3Start[];
}

/** Result of an Approach-3 fit. Non-convergence is reported here, never thrown. */
export interface Approach3Fit {
  readonly method: 'approach3';
  readonly law: LossLaw;
  /** (a, b, G) of the fitted law's frontier; null when a fitted exponent is not positive */
  readonly frontier: FrontierExponents | null;
  /** Σ Huber at the optimum */
  readonly objective: number;
  /** L-BFGS iterations of the winning start */
  readonly iterations: number;
  /** the winning start met the stopping test */
  readonly converged: boolean;
  /** max |∇f| at the optimum */
  readonly gradientNorm: number;
  readonly startCount: number;
  /** starts that met their stopping test (the screening test when screening ran) */
  readonly convergedStartCount: number;
  /** screened optima refined to the tight tolerance (0 without screening) */
  readonly polishedCount: number;
  /** the start the winner came from */
  readonly bestStart: Approach3Start;
  readonly warnings: readonly string[];
}

const gridValues = (from: number, to: number, step: number): number[] => {
  const values: number[] = [];
  for (let k = 0; from + k * step <= to + 1e-9; k++) values.push(from + k * step);
  return values;
};

/** Grid axes of Hoffmann et al. 2022 App. D.2: α, β ∈ {0, 0.5, …, 2}; e ∈ {−1, −0.5, …, 1}; a, b ∈ {0, 5, …, 25}. */
export const APPROACH3_GRID_AXES = {
  alpha: gridValues(0, 2, 0.5),
  beta: gridValues(0, 2, 0.5),
  e: gridValues(-1, 1, 0.5),
  a: gridValues(0, 25, 5),
  b: gridValues(0, 25, 5),
} as const;

/** The paper's full initialisation grid: 5·5·5·6·6 = 4,500 starts. */
export const APPROACH3_DEFAULT_GRID: readonly Approach3Start[] = Object.freeze(
  APPROACH3_GRID_AXES.alpha.flatMap((alpha) =>
    APPROACH3_GRID_AXES.beta.flatMap((beta) =>
      APPROACH3_GRID_AXES.e.flatMap((e) =>
        APPROACH3_GRID_AXES.a.flatMap((a) => APPROACH3_GRID_AXES.b.map((b) => ({ a, b, e, alpha, beta }))),
      ),
    ),
  ),
);

/** The optimiser coordinates of a loss law (for warm starts). */
export const startFromLossLaw = (law: LossLaw): Approach3Start => ({
  a: Math.log(law.paramCoeff),
  b: Math.log(law.dataCoeff),
  e: Math.log(law.irreducibleLoss),
  alpha: law.paramExponent,
  beta: law.dataExponent,
});

interface ResolvedApproach3Options {
  readonly huberDelta: number;
  readonly starts: readonly Approach3Start[];
  readonly lbfgs: LbfgsOptions;
  readonly screening: LbfgsOptions | null;
  readonly polishCount: number;
  readonly extraStarts: readonly Approach3Start[];
}

/** Default loose stop of the screening stage (see Approach3Options.screening). */
export const APPROACH3_DEFAULT_SCREENING = { relativeDecreaseTolerance: 1e-5, gradientTolerance: 1e-6 } as const;

function resolveApproach3Options(options: Approach3Options): ResolvedApproach3Options {
  const huberDelta = options.huberDelta ?? 1e-3;
  if (!(huberDelta > 0 && Number.isFinite(huberDelta)))
    throw new ScalingLawError('InvalidOption', `huberDelta must be a finite number > 0, got ${huberDelta}`);
  const starts = options.starts ?? APPROACH3_DEFAULT_GRID;
  if (starts.length === 0) throw new ScalingLawError('InvalidOption', 'starts must hold at least one starting point');
  const extraStarts = options.extraStarts ?? [];
  const checkStart = (what: string) => (s: Approach3Start, i: number) => {
    for (const key of ['a', 'b', 'e', 'alpha', 'beta'] as const) {
      if (!Number.isFinite(s[key])) throw new ScalingLawError('InvalidOption', `${what} ${i}: ${key} must be finite, got ${s[key]}`);
    }
  };
  starts.forEach(checkStart('start'));
  extraStarts.forEach(checkStart('extraStarts'));
  const polishCount = options.polishCount ?? 20;
  if (!Number.isInteger(polishCount) || polishCount < 1)
    throw new ScalingLawError('InvalidOption', `polishCount must be an integer ≥ 1, got ${polishCount}`);
  const screening =
    options.screening === false ? null : { ...(options.lbfgs ?? {}), ...(options.screening ?? APPROACH3_DEFAULT_SCREENING) };
  return { huberDelta, starts, lbfgs: options.lbfgs ?? {}, screening, polishCount, extraStarts };
}

/** E below this fraction of the lowest observed loss means E ran to the edge of the parameter space (e → −∞). */
export const IRREDUCIBLE_LOSS_COLLAPSE_FRACTION = 1e-3;

/** Minimum observations for five free parameters with something left to estimate noise from. */
export const APPROACH3_MIN_OBSERVATIONS = 6;

/**
 * Approach 3 of Hoffmann et al. 2022 (§3.3, App. D.2): fits L(N, D) = E + A/N^α + B/D^β by
 * minimising the summed Huber loss (δ = 1e-3) of ln-loss residuals with L-BFGS from every start
 * and keeping the lowest objective among converged starts (as Besiroglu et al. 2024 do).
 * Single-threaded and pure.
 */
export function fitApproach3(observations: readonly LossObservation[], options: Approach3Options = {}): Approach3Fit {
  checkObservations(observations, APPROACH3_MIN_OBSERVATIONS, 'Approach 3');
  const settings = resolveApproach3Options(options);
  return fitApproach3Data(toApproach3Data(observations), settings);
}

/** The multi-start loop on prepared data (the bootstrap calls it with resampling weights). */
export function fitApproach3Data(data: Approach3Data, settings: ResolvedApproach3Options): Approach3Fit {
  return runFitSteps(fitApproach3DataSteps(data, settings));
}

/** Starts screened between two yields of `fitApproach3DataSteps` (a few ms each on a few hundred runs). */
const STARTS_PER_STEP = 250;

/** `fitApproach3Data` as steps: it yields every STARTS_PER_STEP starts (see fit-steps.ts). */
export function* fitApproach3DataSteps(data: Approach3Data, settings: ResolvedApproach3Options): FitSteps<Approach3Fit> {
  const objective = approach3Objective(data, settings.huberDelta);
  const tight = createLbfgsSolver(5, settings.lbfgs);
  const screen = settings.screening && settings.starts.length > settings.polishCount ? createLbfgsSolver(5, settings.screening) : null;
  const point = new Float64Array(5);
  let convergedStartCount = 0;
  type Candidate = { x: Float64Array; value: number; iterations: number; converged: boolean; gradientNorm: number; start: Approach3Start };
  const candidates: Candidate[] = [];
  let screened = 0;
  for (const s of settings.starts) {
    if (++screened % STARTS_PER_STEP === 0) yield;
    point[0] = s.a;
    point[1] = s.b;
    point[2] = s.e;
    point[3] = s.alpha;
    point[4] = s.beta;
    const result = (screen ?? tight).minimize(objective, point);
    if (result.converged) convergedStartCount++;
    if (Number.isFinite(result.value)) candidates.push({ ...result, start: s });
  }
  let polishedCount = 0;
  let finalists = candidates;
  if (screen) {
    finalists = [];
    for (const c of candidates.sort((p, q) => p.value - q.value)) {
      if (finalists.length === settings.polishCount) break;
      if (finalists.some((f) => sameOptimum(f.x, c.x))) continue;
      const refined = tight.minimize(objective, c.x);
      polishedCount++;
      // Iterations count both stages so a reader sees the work that led to the answer.
      finalists.push({ ...refined, iterations: refined.iterations + c.iterations, start: c.start, x: refined.x });
    }
  }
  // Warm starts join the grid's finalists (refined to the tight tolerance): the winner is never worse than the grid's.
  for (const s of settings.extraStarts) {
    const refined = tight.minimize(objective, Float64Array.of(s.a, s.b, s.e, s.alpha, s.beta));
    if (Number.isFinite(refined.value)) finalists.push({ ...refined, start: s });
  }
  let best: Candidate | null = null;
  for (const c of finalists) {
    const better = best === null || (c.converged && !best.converged) || (c.converged === best.converged && c.value < best.value);
    if (better) best = c;
  }
  if (best === null) {
    throw new ScalingLawError('NonFiniteInput', 'the Approach 3 objective was not finite at any start; check the observations');
  }
  const [a, b, e, alpha, beta] = best.x as unknown as [number, number, number, number, number];
  const law: LossLaw = {
    irreducibleLoss: Math.exp(e),
    paramCoeff: Math.exp(a),
    dataCoeff: Math.exp(b),
    paramExponent: alpha,
    dataExponent: beta,
  };
  const warnings: string[] = [];
  if (!best.converged)
    warnings.push(
      `no start met the stopping test; reporting the best of ${settings.starts.length} (max |∇f| = ${best.gradientNorm.toExponential(2)})`,
    );
  // The LSE form lets E run to 0 (e → −∞) when the runs do not reach the loss floor; the optimum is then at
  // the edge of the parameter space and the allocation it implies is not identified by the data.
  let lowestLoss = Infinity;
  for (const logLoss of data.logLoss) lowestLoss = Math.min(lowestLoss, Math.exp(logLoss));
  if (law.irreducibleLoss < IRREDUCIBLE_LOSS_COLLAPSE_FRACTION * lowestLoss) {
    warnings.push(
      `the irreducible loss E collapsed to ${law.irreducibleLoss.toExponential(2)} (lowest observed loss ${lowestLoss.toFixed(3)}): ` +
        'the runs do not constrain E, so this fit is ill-conditioned; use more sizes and budgets, or Approach 2',
    );
  }
  let frontier: FrontierExponents | null = null;
  if (alpha > 0 && beta > 0 && Number.isFinite(law.paramCoeff) && Number.isFinite(law.dataCoeff)) frontier = frontierExponents(law);
  else warnings.push(`fitted exponents α = ${alpha}, β = ${beta} do not give a compute-optimal frontier (both must be > 0)`);
  return {
    method: 'approach3',
    law,
    frontier,
    objective: best.value,
    iterations: best.iterations,
    converged: best.converged,
    gradientNorm: best.gradientNorm,
    startCount: settings.starts.length + settings.extraStarts.length,
    convergedStartCount,
    polishedCount,
    bestStart: best.start,
    warnings,
  };
}

/** Screened points closer than this (max norm, optimiser coordinates) are one basin: polish once. */
const SAME_OPTIMUM_DISTANCE = 1e-3;
function sameOptimum(p: Float64Array, q: Float64Array): boolean {
  for (let i = 0; i < p.length; i++) if (Math.abs(p[i]! - q[i]!) > SAME_OPTIMUM_DISTANCE) return false;
  return true;
}

export { resolveApproach3Options, type ResolvedApproach3Options };
