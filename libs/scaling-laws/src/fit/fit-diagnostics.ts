import type { LossObservation } from '../observations.js';
import { allocate, type AllocationMapping } from '../presets.js';
import { frontierOf } from './mapping-exponents.js';
import { groupByBudget } from './budget-grouping.js';
import type { Interval } from './bootstrap.js';
import type { FitSteps } from './fit-steps.js';
import { fitIsoFlopParabola } from './iso-flop-parabola.js';
import type { FitMethod } from '../fitted-law.js';

/**
 * What a fit's trust verdict is judged on: measurements only, no thresholds (trust-verdict.ts
 * applies those). Machine-readable and small: per-run data is limited to the few influential runs.
 */
export interface FitDiagnostics {
  readonly method: FitMethod;
  /** runs (Approach 1: curves) the fit used */
  readonly runs: number;
  /** why the method could not fit at all (too few runs, no training curves, …) */
  readonly refused?: string;
  readonly converged: boolean;
  readonly convergenceNote?: string;
  /** the evidence the method rests on against its minimum for a trustworthy fit (see EVIDENCE_MINIMUM) */
  readonly evidence: { readonly count: number; readonly minimum: number; readonly unit: string };
  /** the IsoFLOP profile of every budget with ≥ 3 sizes (from the runs, the same for every method) */
  readonly budgets: readonly BudgetProfileDiagnostic[];
  /** Approach 3: E against the lowest observed loss */
  readonly irreducibleLoss?: { readonly value: number; readonly lowestLoss: number; readonly collapsed: boolean };
  readonly exponents: { readonly a: number | null; readonly b: number | null; readonly alpha?: number; readonly beta?: number };
  readonly aInterval?: Interval;
  /** N_opt at the budgets that use the law, with the bootstrap interval and its upper/lower ratio */
  readonly nOpt: readonly { readonly flops: number; readonly params: number; readonly interval?: Interval; readonly ratio?: number }[];
  readonly bootstrap: { readonly resamples: number; readonly succeeded: number } | null;
  /** the other fitted methods' a, and whether their intervals (or, without intervals, values within 0.05) overlap this one's */
  readonly agreement: readonly {
    readonly method: FitMethod;
    readonly a: number;
    readonly aInterval?: Interval;
    readonly agrees: boolean;
  }[];
  /** leave-one-out and outlier influence (the primary method only) */
  readonly influence: InfluenceDiagnostic | null;
}

/** One budget's IsoFLOP parabola (loss against ln N), as a bracketing check sees it. */
export interface BudgetProfileDiagnostic {
  readonly flops: number;
  readonly runs: number;
  readonly sizes: number;
  readonly sampledParams: { readonly min: number; readonly max: number };
  /** N at the vertex; null when the parabola has no minimum */
  readonly minimumParams: number | null;
  /** the vertex lies within the sizes tried */
  readonly bracketed: boolean;
  /** the vertex lies at least BRACKET_MARGIN of the ln N span inside the sizes tried */
  readonly withinMargin: boolean;
}

/** How much a few runs move the answer. */
export interface InfluenceDiagnostic {
  /** the budget at which N_opt is compared (the largest budget that uses the law) */
  readonly flops: number;
  readonly a: number;
  readonly nOpt: number;
  /** the runs whose leave-one-out refits move a or N_opt most, largest first (at most INFLUENCE_REPORTED) */
  readonly leaveOneOut: readonly InfluentialRun[];
  /** the most outlying runs (iterated robust z of the residuals) and the answer without all of them */
  readonly outliers: {
    readonly runIds: readonly string[];
    readonly a: number | null;
    readonly nOpt: number | null;
    readonly beyondInterval: boolean;
  } | null;
  /** runs that, alone or as the outlier set, move a or N_opt beyond its interval */
  readonly flagged: readonly string[];
  readonly note: string;
}

export interface InfluentialRun {
  readonly runId: string;
  readonly a: number | null;
  readonly nOpt: number | null;
  /** |ln(N_opt without the run / N_opt)| */
  readonly shift: number;
  readonly beyondInterval: boolean;
}

/** A vertex closer than this share of the ln N span to the smallest or largest size is "at the edge". */
export const BRACKET_MARGIN = 0.1;

/**
 * The evidence a trustworthy fit needs, beyond what the method needs to run at all: Approach 1 an
 * envelope from ≥ 3 sizes; Approach 2 ≥ 3 budgets with a parabola minimum (two budgets always fit a
 * line exactly); Approach 3 ≥ 10 runs (two per free parameter) over ≥ 3 budgets.
 */
export const EVIDENCE_MINIMUM = { 1: 3, 2: 3, 3: 10 } as const;

/** Leave-one-out runs reported per fit (the status stays small). */
export const INFLUENCE_REPORTED = 5;
/** "A few runs": the outlier set holds at most this share of the runs (at least one). */
export const OUTLIER_SHARE = 0.02;
/** Robust z (residual / 1.4826·MAD) above which a run is an outlier. */
export const OUTLIER_Z = 3.5;
/** Smallest moves worth flagging: 0.01 in a, 5% in N_opt. */
export const MATERIAL_A_MOVE = 0.01;
export const MATERIAL_LOG_NOPT_MOVE = Math.log(1.05);

/** The IsoFLOP profiles of the runs (budgets with fewer than 3 sizes are skipped). */
export function budgetProfiles(observations: readonly LossObservation[]): BudgetProfileDiagnostic[] {
  let groups;
  try {
    groups = groupByBudget(observations);
  } catch {
    return [];
  }
  return groups.flatMap((group) => {
    const params = group.rows.map((i) => observations[i]!.params);
    const sizes = new Set(params).size;
    if (sizes < 3) return [];
    const parabola = fitIsoFlopParabola(
      group.flops,
      params,
      group.rows.map((i) => observations[i]!.loss),
    );
    const span = Math.log(parabola.sampledParams.max / parabola.sampledParams.min);
    const withinMargin =
      parabola.minimumParams !== null &&
      Math.log(parabola.minimumParams / parabola.sampledParams.min) >= BRACKET_MARGIN * span &&
      Math.log(parabola.sampledParams.max / parabola.minimumParams) >= BRACKET_MARGIN * span;
    return [
      {
        flops: group.flops,
        runs: group.rows.length,
        sizes,
        sampledParams: parabola.sampledParams,
        minimumParams: parabola.minimumParams,
        bracketed: parabola.bracketed,
        withinMargin,
      },
    ];
  });
}

/** What influence analysis needs from a method: refit on a subset of its rows, and (optionally) each row's residual. */
export interface InfluenceSubject {
  readonly runIds: readonly string[];
  readonly mapping: AllocationMapping;
  /** the mapping fitted on the rows `keep` selects; null when the method refuses that subset */
  readonly refit: (keep: (row: number) => boolean) => AllocationMapping | null;
  /** ln(observed / predicted) per row, for the outlier search; absent when the method has no per-row prediction */
  readonly residuals?: (mapping: AllocationMapping, keep: (row: number) => boolean) => (number | null)[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((p, q) => p - q);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const answerOf = (mapping: AllocationMapping | null, flops: number): { a: number | null; nOpt: number | null } => {
  if (!mapping) return { a: null, nOpt: null };
  const frontier = frontierOf(mapping);
  if (!frontier) return { a: null, nOpt: null };
  return { a: frontier.a, nOpt: allocate(mapping, flops).params };
};

/**
 * How far the answer (a, N_opt at `flops`) moves without each run (leave-one-out), and without the
 * few most outlying runs together: a single outlier's influence is often masked by its neighbours
 * (on the 245 Chinchilla points no single high-loss run leaves the interval; the five together do),
 * so the outlier set is found by iterated robust z (refit, drop the largest |z| > OUTLIER_Z, repeat,
 * at most OUTLIER_SHARE of the runs) and judged as a whole. A move is flagged when it leaves the bootstrap
 * interval of a or N_opt and is material (MATERIAL_A_MOVE, MATERIAL_LOG_NOPT_MOVE); without an interval the
 * moves are reported and nothing is flagged.
 */
export function* influenceSteps(
  subject: InfluenceSubject,
  flops: number,
  intervals: { a?: Interval; nOpt?: Interval },
): FitSteps<InfluenceDiagnostic> {
  const base = answerOf(subject.mapping, flops);
  const n = subject.runIds.length;
  // Beyond the interval and material: with a few runs in range the interval can be narrower than any move worth a warning.
  const beyond = (answer: { a: number | null; nOpt: number | null }): boolean =>
    (intervals.a !== undefined &&
      answer.a !== null &&
      base.a !== null &&
      Math.abs(answer.a - base.a) >= MATERIAL_A_MOVE &&
      (answer.a < intervals.a.lower || answer.a > intervals.a.upper)) ||
    (intervals.nOpt !== undefined &&
      answer.nOpt !== null &&
      base.nOpt !== null &&
      Math.abs(Math.log(answer.nOpt / base.nOpt)) >= MATERIAL_LOG_NOPT_MOVE &&
      (answer.nOpt < intervals.nOpt.lower || answer.nOpt > intervals.nOpt.upper));
  const loo: InfluentialRun[] = [];
  let refused = 0;
  for (let i = 0; i < n; i++) {
    const answer = answerOf(
      subject.refit((row) => row !== i),
      flops,
    );
    yield;
    // A refit that does not converge without the run says nothing about the run's pull: counted, not ranked.
    if (answer.nOpt === null || base.nOpt === null) {
      refused++;
      continue;
    }
    loo.push({ runId: subject.runIds[i]!, ...answer, shift: Math.abs(Math.log(answer.nOpt / base.nOpt)), beyondInterval: beyond(answer) });
  }
  loo.sort((p, q) => q.shift - p.shift);

  let outliers: InfluenceDiagnostic['outliers'] = null;
  if (subject.residuals) {
    const maxOutliers = Math.max(1, Math.ceil(OUTLIER_SHARE * n));
    const dropped = new Set<number>();
    let mapping: AllocationMapping | null = subject.mapping;
    while (mapping && dropped.size < maxOutliers) {
      const keep = (row: number) => !dropped.has(row);
      const residuals = subject.residuals(mapping, keep);
      const kept = residuals.flatMap((r, row) => (r !== null && keep(row) ? [{ r, row }] : []));
      if (kept.length < 3) break;
      const centre = median(kept.map((k) => k.r));
      const scale = 1.4826 * median(kept.map((k) => Math.abs(k.r - centre)));
      if (!(scale > 0)) break;
      const worst = kept.reduce((p, q) => (Math.abs(q.r - centre) > Math.abs(p.r - centre) ? q : p));
      if (Math.abs(worst.r - centre) / scale <= OUTLIER_Z) break;
      dropped.add(worst.row);
      mapping = subject.refit((row) => !dropped.has(row));
      yield;
    }
    if (dropped.size > 0) {
      const answer = answerOf(mapping, flops);
      outliers = { runIds: [...dropped].map((row) => subject.runIds[row]!), ...answer, beyondInterval: beyond(answer) };
    }
  }
  const flagged = [
    ...new Set([...loo.filter((r) => r.beyondInterval).map((r) => r.runId), ...(outliers?.beyondInterval ? outliers.runIds : [])]),
  ];
  const hasInterval = intervals.a !== undefined || intervals.nOpt !== undefined;
  const fmt = (v: number | null) => (v === null ? 'none' : Math.abs(v) >= 1e4 ? v.toExponential(2) : v.toPrecision(3));
  const parts: string[] = [];
  if (outliers)
    parts.push(
      `without the ${outliers.runIds.length} most outlying run(s) (${outliers.runIds.join(', ')}) a = ${fmt(outliers.a)}, N_opt(${flops.toExponential(1)}) = ${fmt(outliers.nOpt)} (all runs: a = ${fmt(base.a)}, N_opt = ${fmt(base.nOpt)})`,
    );
  const top = loo[0];
  if (top) parts.push(`the largest single-run move: without ${top.runId} N_opt = ${fmt(top.nOpt)}, a = ${fmt(top.a)}`);
  if (refused > 0) parts.push(`${refused} leave-one-out refit(s) did not converge and were not ranked`);
  if (!hasInterval) parts.push('no bootstrap interval to judge the moves against');
  return {
    flops,
    a: base.a ?? Number.NaN,
    nOpt: base.nOpt ?? Number.NaN,
    leaveOneOut: loo.slice(0, INFLUENCE_REPORTED),
    outliers,
    flagged,
    note: parts.join('; '),
  };
}

/** ln(observed / predicted loss) of every run under a loss law (Approach 3's residuals). */
export function lossLawResiduals(observations: readonly LossObservation[]) {
  return (mapping: AllocationMapping): (number | null)[] => {
    if (mapping.kind !== 'loss-law') return observations.map(() => null);
    const { law } = mapping;
    return observations.map(
      (o) =>
        Math.log(o.loss) -
        Math.log(law.irreducibleLoss + law.paramCoeff * o.params ** -law.paramExponent + law.dataCoeff * o.tokens ** -law.dataExponent),
    );
  };
}
