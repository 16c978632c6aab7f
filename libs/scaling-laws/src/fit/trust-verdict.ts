import type { FitDiagnostics } from './fit-diagnostics.js';

/**
 * The trust verdict: can a team bet compute on this fit's allocation? Every fit gets one, built from
 * its diagnostics (fit-diagnostics.ts) by the checks below. A failed `blocking` check makes the fit
 * untrusted and names the reason; a failed `warning` check is reported but does not block.
 * docs/scaling-laws.md § "Trust verdict" explains each check and its threshold.
 */

/** Why a fit is (not) trusted, most fundamental first: the verdict's reason is the first failed blocking check's. */
export const TRUST_REASONS = [
  'NotConverged',
  'InsufficientEvidence',
  'IllConditioned',
  'MinimumNotBracketed',
  'MethodsDisagree',
  'IntervalTooWide',
] as const;
export type UntrustedReason = (typeof TRUST_REASONS)[number];
export type TrustReason = 'Trusted' | UntrustedReason;

/** The checks, by name (stable: the control plane and the CLI's JSON carry them). */
export type TrustCheckName =
  | 'converged'
  | 'enoughRuns'
  | 'irreducibleLossCollapsed'
  | 'exponentsPlausible'
  | 'bootstrapConverged'
  | 'minimumBracketed'
  | 'methodsAgree'
  | 'aIntervalWidth'
  | 'nOptIntervalWidth'
  | 'influentialRuns';

export interface TrustCheck {
  readonly name: TrustCheckName;
  readonly passed: boolean;
  readonly severity: 'blocking' | 'warning';
  /** the verdict's reason when this check fails and blocks */
  readonly reason: UntrustedReason;
  readonly message: string;
  /** the measured value the threshold was applied to, when there is one */
  readonly value?: number;
}

export interface TrustVerdict {
  readonly trusted: boolean;
  readonly reason: TrustReason;
  /** one line for humans: the first blocking failure, or what was checked */
  readonly message: string;
  readonly checks: readonly TrustCheck[];
}

/** Thresholds of the checks (docs/scaling-laws.md gives the reasons for each default). */
export interface TrustThresholds {
  /** plausible range of the frontier exponents a and b (published fits: 0.46–0.57) */
  readonly exponentRange: readonly [number, number];
  /** plausible range of the loss-law exponents α and β (published fits: 0.28–0.37) */
  readonly lawExponentRange: readonly [number, number];
  /** widest acceptable interval of a (upper − lower) */
  readonly maxAIntervalWidth: number;
  /** widest acceptable N_opt interval at a budget, as upper / lower */
  readonly maxNOptIntervalRatio: number;
  /** share of bootstrap replicates that must converge (below it the fit is ill-conditioned) */
  readonly minBootstrapConverged: number;
}

export const DEFAULT_TRUST_THRESHOLDS: TrustThresholds = {
  exponentRange: [0.2, 0.8],
  lawExponentRange: [0.05, 1.5],
  maxAIntervalWidth: 0.2,
  maxNOptIntervalRatio: 4,
  minBootstrapConverged: 0.5,
};

const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : v.toPrecision(3));

/** The checks of one method's diagnostics. */
export function trustChecks(d: FitDiagnostics, thresholds: TrustThresholds = DEFAULT_TRUST_THRESHOLDS): TrustCheck[] {
  const checks: TrustCheck[] = [];
  const add = (
    name: TrustCheckName,
    passed: boolean,
    severity: TrustCheck['severity'],
    reason: UntrustedReason,
    message: string,
    value?: number,
  ) => checks.push({ name, passed, severity, reason, message, ...(value !== undefined && Number.isFinite(value) ? { value } : {}) });

  if (d.refused) {
    add('enoughRuns', false, 'blocking', 'InsufficientEvidence', `Approach ${d.method} could not fit: ${d.refused}`, d.runs);
    return checks;
  }
  add(
    'converged',
    d.converged,
    'blocking',
    'NotConverged',
    d.converged ? 'the fit converged' : `Approach ${d.method} did not converge${d.convergenceNote ? `: ${d.convergenceNote}` : ''}`,
  );
  add(
    'enoughRuns',
    d.evidence.count >= d.evidence.minimum,
    'blocking',
    'InsufficientEvidence',
    `${d.evidence.count} ${d.evidence.unit} (a trustworthy Approach ${d.method} fit needs ≥ ${d.evidence.minimum})`,
    d.evidence.count,
  );
  if (d.irreducibleLoss) {
    const { value, lowestLoss, collapsed } = d.irreducibleLoss;
    add(
      'irreducibleLossCollapsed',
      !collapsed,
      'blocking',
      'IllConditioned',
      collapsed
        ? `E collapsed to ${fmt(value)} (lowest observed loss ${fmt(lowestLoss)}): the runs do not constrain E`
        : `E = ${fmt(value)}`,
      value,
    );
  }
  const [lo, hi] = thresholds.exponentRange;
  const [llo, lhi] = thresholds.lawExponentRange;
  const outside: string[] = [];
  if (d.exponents.a === null || !(d.exponents.a >= lo && d.exponents.a <= hi))
    outside.push(`a = ${d.exponents.a === null ? 'none' : fmt(d.exponents.a)} ∉ [${lo}, ${hi}]`);
  if (d.exponents.b === null || !(d.exponents.b >= lo && d.exponents.b <= hi))
    outside.push(`b = ${d.exponents.b === null ? 'none' : fmt(d.exponents.b)} ∉ [${lo}, ${hi}]`);
  for (const [key, symbol] of [
    ['alpha', 'α'],
    ['beta', 'β'],
  ] as const) {
    const v = d.exponents[key];
    if (v !== undefined && !(v >= llo && v <= lhi)) outside.push(`${symbol} = ${fmt(v)} ∉ [${llo}, ${lhi}]`);
  }
  add(
    'exponentsPlausible',
    outside.length === 0,
    'blocking',
    'IllConditioned',
    outside.length ? `implausible exponents: ${outside.join(', ')}` : 'exponents within the plausible ranges',
    d.exponents.a ?? undefined,
  );
  if (d.bootstrap) {
    const share = d.bootstrap.resamples > 0 ? d.bootstrap.succeeded / d.bootstrap.resamples : 0;
    add(
      'bootstrapConverged',
      share >= thresholds.minBootstrapConverged,
      'blocking',
      'IllConditioned',
      `${d.bootstrap.succeeded}/${d.bootstrap.resamples} bootstrap replicates converged (needs ≥ ${Math.round(100 * thresholds.minBootstrapConverged)}%)`,
      share,
    );
  }
  if (d.budgets.length > 0) {
    const outsideRange = d.budgets.filter((b) => b.minimumParams === null || !b.bracketed);
    const nearEdge = d.budgets.filter((b) => b.bracketed && !b.withinMargin);
    // Approach 2 reads N_opt off the vertices: an extrapolated vertex is its answer, so it blocks; the others only warn.
    const blocking = d.method === 2;
    add(
      'minimumBracketed',
      outsideRange.length === 0 && (blocking ? true : nearEdge.length === 0),
      blocking ? 'blocking' : 'warning',
      'MinimumNotBracketed',
      outsideRange.length === 0 && nearEdge.length === 0
        ? `the loss minimum lies inside the sizes tried at all ${d.budgets.length} budgets`
        : `${[...outsideRange.map((b) => `budget ${fmt(b.flops)}: ${b.minimumParams === null ? 'no minimum (parabola opens downwards)' : `minimum N ${fmt(b.minimumParams)} outside sizes ${fmt(b.sampledParams.min)}…${fmt(b.sampledParams.max)}`}`), ...nearEdge.map((b) => `budget ${fmt(b.flops)}: minimum N ${fmt(b.minimumParams!)} at the edge of the sizes tried`)].join('; ')}; extend the sweep towards the minimum`,
      outsideRange.length,
    );
  }
  if (d.agreement.length > 0) {
    const disagree = d.agreement.filter((m) => !m.agrees);
    add(
      'methodsAgree',
      disagree.length === 0,
      'blocking',
      'MethodsDisagree',
      disagree.length === 0
        ? `a agrees with Approach ${d.agreement.map((m) => m.method).join(', ')}`
        : disagree
            .map(
              (m) =>
                `Approach ${m.method} gives a = ${fmt(m.a)}${m.aInterval ? ` [${fmt(m.aInterval.lower)}, ${fmt(m.aInterval.upper)}]` : ''}, which does not overlap`,
            )
            .join('; '),
    );
  }
  if (d.aInterval) {
    const width = d.aInterval.upper - d.aInterval.lower;
    add(
      'aIntervalWidth',
      width <= thresholds.maxAIntervalWidth,
      'blocking',
      'IntervalTooWide',
      `a interval [${fmt(d.aInterval.lower)}, ${fmt(d.aInterval.upper)}] is ${fmt(width)} wide (at most ${thresholds.maxAIntervalWidth})`,
      width,
    );
  }
  const withInterval = d.nOpt.filter((n) => n.interval);
  if (withInterval.length > 0) {
    const widest = withInterval.reduce((p, q) => ((q.ratio ?? 0) > (p.ratio ?? 0) ? q : p));
    add(
      'nOptIntervalWidth',
      (widest.ratio ?? Infinity) <= thresholds.maxNOptIntervalRatio,
      'blocking',
      'IntervalTooWide',
      `N_opt(${fmt(widest.flops)}) interval [${fmt(widest.interval!.lower)}, ${fmt(widest.interval!.upper)}] spans ${fmt(widest.ratio ?? Infinity)}× (at most ${thresholds.maxNOptIntervalRatio}×)`,
      widest.ratio,
    );
  }
  if (d.influence) {
    const flagged = d.influence.flagged;
    add(
      'influentialRuns',
      flagged.length === 0,
      'warning',
      'IntervalTooWide',
      flagged.length === 0 ? d.influence.note : `${flagged.length} run(s) move the answer beyond its interval: ${d.influence.note}`,
      flagged.length,
    );
  }
  return checks;
}

/** The verdict: trusted when no blocking check failed; otherwise the reason of the most fundamental failure. */
export function trustVerdict(checks: readonly TrustCheck[]): TrustVerdict {
  const failed = checks.filter((c) => !c.passed && c.severity === 'blocking');
  if (failed.length === 0) {
    const warnings = checks.filter((c) => !c.passed);
    return {
      trusted: true,
      reason: 'Trusted',
      message: warnings.length
        ? `Trusted, with warnings: ${warnings.map((w) => w.message).join('; ')}`
        : `Trusted: ${checks.length} checks passed`,
      checks,
    };
  }
  const first = [...failed].sort((p, q) => TRUST_REASONS.indexOf(p.reason) - TRUST_REASONS.indexOf(q.reason))[0]!;
  return { trusted: false, reason: first.reason, message: failed.map((c) => c.message).join('; '), checks };
}
