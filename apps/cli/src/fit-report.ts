import {
  allocateWithPowerLaw,
  computeOptimalAllocation,
  FLOPS_PER_PARAM_TOKEN,
  type BootstrapResult,
  type Approach1Fit,
  type Approach2Fit,
  type Approach3Fit,
  type Interval,
  type PowerLawMapping,
} from '@scaleplan/scaling-laws';

/** One method's line of `scaleplan fit --json` (the shape of issue 2). */
export interface FitReport {
  method: 1 | 2 | 3;
  params: { E: number; A: number; B: number; alpha: number; beta: number } | null;
  /** power-law methods: N_opt = kN·C^a, D_opt = kD·C^b */
  powerLaw: { kN: number; a: number; kD: number; b: number } | null;
  a: number | null;
  b: number | null;
  /** N_opt = G·(C/6)^a; for power laws G = kN·6^a */
  G: number | null;
  objective: number;
  iterations: number;
  converged: boolean;
  runs: number;
  intervals: Record<string, Interval> | null;
  bootstrap: { resamples: number; succeeded: number; failed: number; percentiles: readonly [number, number] } | null;
  allocations: { flops: number; params: number; tokens: number; loss: number | null; intervals?: { params: Interval; tokens: Interval; loss: Interval | null } }[];
  warnings: readonly string[];
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
  return Object.fromEntries(Object.entries(intervals).map(([key, value]) => [powerLaw && key === 'paramCoeff' ? 'kN' : (INTERVAL_NAMES[key] ?? key), value]));
}

function withBootstrap(report: FitReport, boot: BootstrapResult<unknown> | null, powerLaw: boolean): FitReport {
  if (!boot) return report;
  return {
    ...report,
    intervals: renameIntervals(boot.intervals, powerLaw),
    bootstrap: { resamples: boot.resamples, succeeded: boot.succeeded, failed: boot.failed, percentiles: boot.percentiles },
    allocations: report.allocations.map((a, i) => ({ ...a, intervals: boot.allocations[i] ? { params: boot.allocations[i].params, tokens: boot.allocations[i].tokens, loss: boot.allocations[i].loss } : undefined })),
    warnings: [...report.warnings, ...boot.warnings],
  };
}

/** Report of an Approach-3 fit (and its bootstrap, when one ran). */
export function approach3Report(fit: Approach3Fit, runs: number, budgets: readonly number[], boot: BootstrapResult<Approach3Fit> | null): FitReport {
  const { law, frontier } = fit;
  return withBootstrap(
    {
      method: 3,
      params: { E: law.irreducibleLoss, A: law.paramCoeff, B: law.dataCoeff, alpha: law.paramExponent, beta: law.dataExponent },
      powerLaw: null,
      a: frontier?.a ?? null,
      b: frontier?.b ?? null,
      G: frontier?.G ?? null,
      objective: fit.objective,
      iterations: fit.iterations,
      converged: fit.converged,
      runs,
      intervals: null,
      bootstrap: null,
      allocations: frontier
        ? budgets.map((flops) => {
            const a = computeOptimalAllocation(law, flops);
            return { flops, params: a.params, tokens: a.tokens, loss: a.loss };
          })
        : [],
      warnings: fit.warnings,
    },
    boot,
    false,
  );
}

/** Report of a power-law fit (Approach 1 or 2, and its bootstrap). */
export function powerLawReport(
  method: 1 | 2,
  fit: Approach1Fit | Approach2Fit,
  runs: number,
  budgets: readonly number[],
  boot: BootstrapResult<Approach1Fit | Approach2Fit> | null,
): FitReport {
  const m: PowerLawMapping = fit.mapping;
  return withBootstrap(
    {
      method,
      params: null,
      powerLaw: { kN: m.paramCoeff, a: m.paramExponent, kD: m.tokenCoeff, b: m.tokenExponent },
      a: m.paramExponent,
      b: m.tokenExponent,
      G: m.paramCoeff * FLOPS_PER_PARAM_TOKEN ** m.paramExponent,
      objective: fit.objective,
      iterations: fit.iterations,
      converged: fit.converged,
      runs,
      intervals: null,
      bootstrap: null,
      allocations: budgets.map((flops) => {
        const a = allocateWithPowerLaw(m, flops);
        return { flops, params: a.params, tokens: a.tokens, loss: null };
      }),
      warnings: fit.warnings,
    },
    boot,
    true,
  );
}

const fmt = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? 'n/a' : Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2 ? v.toExponential(digits - 1) : v.toPrecision(digits));
const withInterval = (v: number | null, interval?: Interval) => (interval ? `${fmt(v)}  [${fmt(interval.lower)}, ${fmt(interval.upper)}]` : fmt(v));

/** Human-readable text for one report. */
export function describeReport(r: FitReport): string {
  const name = ['', 'Approach 1 (training-curve envelope)', 'Approach 2 (IsoFLOP parabolas)', 'Approach 3 (parametric loss, Huber δ=1e-3)'][r.method];
  const lines = [`${name}: ${r.runs} runs, ${r.converged ? 'converged' : 'DID NOT CONVERGE'}, objective ${r.objective.toPrecision(10)}, ${r.iterations} iterations`];
  const iv = r.intervals ?? {};
  if (r.bootstrap) lines.push(`  bootstrap: ${r.bootstrap.succeeded}/${r.bootstrap.resamples} replicates (${r.bootstrap.failed} failed), ${r.bootstrap.percentiles[0]}–${r.bootstrap.percentiles[1]}th percentiles in brackets`);
  if (r.params) for (const key of ['E', 'A', 'B', 'alpha', 'beta'] as const) lines.push(`  ${key.padEnd(6)} ${withInterval(r.params[key], iv[key])}`);
  if (r.powerLaw) lines.push(`  N_opt = ${fmt(r.powerLaw.kN)}·C^${fmt(r.powerLaw.a)}   D_opt = ${fmt(r.powerLaw.kD)}·C^${fmt(r.powerLaw.b)}`);
  lines.push(`  a      ${withInterval(r.a, iv.a)}`, `  b      ${withInterval(r.b, iv.b)}`, `  G      ${withInterval(r.G, iv.G)}`);
  for (const a of r.allocations) {
    lines.push(
      `  C = ${a.flops.toExponential(2)}: N_opt ${withInterval(a.params, a.intervals?.params)}, D_opt ${withInterval(a.tokens, a.intervals?.tokens)}` +
        (a.loss === null ? '' : `, loss ${withInterval(a.loss, a.intervals?.loss ?? undefined)}`),
    );
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}
