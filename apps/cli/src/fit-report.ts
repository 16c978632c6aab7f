import {
  FLOPS_PER_PARAM_TOKEN,
  type FittedMapping,
  type FitDiagnostics,
  type Interval,
  type MethodFitResult,
  type ScalingLawFitResult,
  type TrustVerdict,
} from '@scaleplan/scaling-laws';

/**
 * `scaleplan fit --json`: one document for all methods. `allocate --law-file F` reads it back: each
 * `fits[i].fitted` is a FittedMapping (point mapping + bootstrap replicate mappings) under the
 * `format`/`version` marker below. docs/cli.md documents the shape.
 */
export const FIT_FILE_FORMAT = 'scaleplan-fit';
export const FIT_FILE_VERSION = 1;

/** One method's entry of the fit document. */
export interface FitReport {
  method: 1 | 2 | 3;
  primary: boolean;
  /** why the method could not fit these runs (then everything below is empty) */
  refused: { code: string; message: string } | null;
  /** loss-law parameters (Approach 3) */
  params: { E: number; A: number; B: number; alpha: number; beta: number } | null;
  /** power-law methods: N_opt = kN·C^a, D_opt = kD·C^b */
  powerLaw: { kN: number; a: number; kD: number; b: number } | null;
  a: number | null;
  b: number | null;
  /** N_opt = G·(C/6)^a; for power laws G = kN·6^a */
  G: number | null;
  objective: number | null;
  iterations: number | null;
  converged: boolean;
  runs: number;
  /** bootstrap intervals (E, A, B, alpha, beta, a, b, G for Approach 3; kN, kD, a, b for power laws) */
  intervals: Record<string, Interval> | null;
  bootstrap: { resamples: number; succeeded: number; failed: number; percentiles: readonly [number, number] } | null;
  allocations: {
    flops: number;
    params: number;
    tokens: number;
    loss: number | null;
    intervals?: { params: Interval; tokens: Interval; loss: Interval | null };
  }[];
  verdict: TrustVerdict;
  diagnostics: FitDiagnostics;
  /** the hand-over to `scaleplan allocate --law-file`; null when the method has no frontier */
  fitted: FittedMapping | null;
  warnings: readonly string[];
}

/** The whole `scaleplan fit --json` document. */
export interface FitDocument {
  format: typeof FIT_FILE_FORMAT;
  version: typeof FIT_FILE_VERSION;
  /** the runs file, and the rows left out before fitting (not succeeded, not sweep runs, dropped) */
  source: { file: string; rows: number; runs: number; skippedRows: readonly string[] };
  primaryMethod: 1 | 2 | 3;
  seed: number;
  resamples: number;
  percentiles: readonly [number, number];
  budgets: readonly number[];
  fits: FitReport[];
}

const INTERVAL_NAMES: Record<string, string> = {
  irreducibleLoss: 'E',
  paramCoeff: 'A',
  dataCoeff: 'B',
  paramExponent: 'alpha',
  dataExponent: 'beta',
  tokenCoeff: 'kD',
};

function renameIntervals(intervals: Readonly<Record<string, Interval>>, powerLaw: boolean): Record<string, Interval> {
  return Object.fromEntries(
    Object.entries(intervals).map(([key, value]) => [powerLaw && key === 'paramCoeff' ? 'kN' : (INTERVAL_NAMES[key] ?? key), value]),
  );
}

/** The report of one method's result. */
export function methodReport(m: MethodFitResult): FitReport {
  const fit = m.fit;
  const law = fit?.method === 'approach3' ? fit.law : null;
  const power = fit && fit.method !== 'approach3' ? fit.mapping : null;
  const frontierG =
    fit?.method === 'approach3'
      ? (fit.frontier?.G ?? null)
      : power
        ? power.paramCoeff * FLOPS_PER_PARAM_TOKEN ** power.paramExponent
        : null;
  const hasIntervals = Object.keys(m.intervals).length > 0;
  return {
    method: m.method,
    primary: m.primary,
    refused: m.refused,
    params: law ? { E: law.irreducibleLoss, A: law.paramCoeff, B: law.dataCoeff, alpha: law.paramExponent, beta: law.dataExponent } : null,
    powerLaw: power ? { kN: power.paramCoeff, a: power.paramExponent, kD: power.tokenCoeff, b: power.tokenExponent } : null,
    a: m.a,
    b: m.b,
    G: frontierG,
    objective: m.objective,
    iterations: fit?.iterations ?? null,
    converged: m.converged,
    runs: m.runs,
    intervals: hasIntervals ? renameIntervals(m.intervals, power !== null) : null,
    bootstrap: m.bootstrap,
    allocations: m.allocations.map((a) => ({
      flops: a.flops,
      params: a.params,
      tokens: a.tokens,
      loss: a.loss,
      ...(a.intervals ? { intervals: a.intervals } : {}),
    })),
    verdict: m.verdict,
    diagnostics: m.diagnostics,
    fitted: m.fitted,
    warnings: m.warnings,
  };
}

/** The JSON document of a whole fit. */
export function fitDocument(result: ScalingLawFitResult, source: FitDocument['source']): FitDocument {
  return {
    format: FIT_FILE_FORMAT,
    version: FIT_FILE_VERSION,
    source,
    primaryMethod: result.primaryMethod,
    seed: result.seed,
    resamples: result.resamples,
    percentiles: result.percentiles,
    budgets: result.budgets,
    fits: result.methods.map(methodReport),
  };
}

const fmt = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined ? 'n/a' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2 ? v.toExponential(digits - 1) : v.toPrecision(digits);
const withInterval = (v: number | null, interval?: Interval) =>
  interval ? `${fmt(v)}  [${fmt(interval.lower)}, ${fmt(interval.upper)}]` : fmt(v);
const NAMES = ['', 'Approach 1 (training-curve envelope)', 'Approach 2 (IsoFLOP parabolas)', 'Approach 3 (parametric loss, Huber δ=1e-3)'];

/** Human-readable text for one method: the fit, its intervals, its verdict and what failed. */
export function describeReport(r: FitReport): string {
  const name = `${NAMES[r.method]}${r.primary ? ' [primary]' : ''}`;
  if (r.refused) return [`${name}: not fitted: ${r.refused.message}`, `  verdict: ${r.verdict.reason}`].join('\n');
  const lines = [
    `${name}: ${r.runs} runs, ${r.converged ? 'converged' : 'DID NOT CONVERGE'}, objective ${fmt(r.objective, 10)}, ${r.iterations ?? 0} iterations`,
  ];
  const iv = r.intervals ?? {};
  if (r.bootstrap)
    lines.push(
      `  bootstrap: ${r.bootstrap.succeeded}/${r.bootstrap.resamples} replicates (${r.bootstrap.failed} failed), ${r.bootstrap.percentiles[0]}–${r.bootstrap.percentiles[1]}th percentiles in brackets`,
    );
  if (r.params)
    for (const key of ['E', 'A', 'B', 'alpha', 'beta'] as const) lines.push(`  ${key.padEnd(6)} ${withInterval(r.params[key], iv[key])}`);
  if (r.powerLaw)
    lines.push(`  N_opt = ${fmt(r.powerLaw.kN)}·C^${fmt(r.powerLaw.a)}   D_opt = ${fmt(r.powerLaw.kD)}·C^${fmt(r.powerLaw.b)}`);
  lines.push(`  a      ${withInterval(r.a, iv.a)}`, `  b      ${withInterval(r.b, iv.b)}`, `  G      ${withInterval(r.G, iv.G)}`);
  for (const a of r.allocations) {
    lines.push(
      `  C = ${a.flops.toExponential(2)}: N_opt ${withInterval(a.params, a.intervals?.params)}, D_opt ${withInterval(a.tokens, a.intervals?.tokens)}` +
        (a.loss === null ? '' : `, loss ${withInterval(a.loss, a.intervals?.loss ?? undefined)}`),
    );
  }
  lines.push(`  verdict: ${r.verdict.trusted ? 'Trusted' : `NOT TRUSTED (${r.verdict.reason})`}`);
  for (const c of r.verdict.checks)
    if (!c.passed) lines.push(`    ${c.severity === 'blocking' ? 'blocking' : 'warning'} ${c.name}: ${c.message}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}
