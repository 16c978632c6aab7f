import { RunKind, RunState, type FitSummary, type RunRecord, type ScalingLaw } from '@scaleplan/contracts';
import {
  computeOptimalAllocation,
  fitIsoFlopParabola,
  FLOPS_PER_PARAM_TOKEN,
  predictLoss,
  type AllocationMapping,
  type FittedMapping,
  type LossLaw,
} from '@scaleplan/scaling-laws';
import { estimateAllocation } from '../planning/allocation.js';
import type { ScalingLawFitState } from '../planning/fit-state.js';
import { runParamsTotal } from '../planning/run-params.js';
import { resolveBudgets } from '../planning/sweep-planner.js';

/** A published law drawn for comparison on the frontier (with its published interval, where there is one). */
export interface PresetLine {
  readonly name: string;
  readonly fitted: FittedMapping;
}

/** What the plots of one study are computed from. */
export interface StudyPlotsInput {
  readonly study: ScalingLaw;
  readonly runs: readonly RunRecord[];
  /** The control plane's fit state with bootstrap replicates (bands); status fits are used without it. */
  readonly fit?: ScalingLawFitState | undefined;
  readonly presets?: readonly PresetLine[];
  /** Budgets the frontier must also span (e.g. a compute budget allocated from this study). */
  readonly extraFlops?: readonly number[];
}

/** One run on an IsoFLOP profile. */
export interface ProfilePoint {
  readonly runId: string;
  readonly params: number;
  readonly tokens: number;
  readonly loss: number;
  readonly simulated: boolean;
}

/** One IsoFLOP profile: the runs of one budget, their parabola in log N and its minimum. */
export interface ProfileView {
  readonly budgetFlops: number;
  readonly points: readonly ProfilePoint[];
  readonly parabola?: {
    /** loss = c0 + c1·x + c2·x² with x = ln N (as `fitIsoFlopParabola` returns them). */
    readonly coefficients: { readonly c0: number; readonly c1: number; readonly c2: number };
    readonly curve: readonly { readonly params: number; readonly loss: number }[];
    readonly minimum?: { readonly params: number; readonly loss: number; readonly paramsLow: number; readonly paramsHigh: number };
    /** True when the vertex lies inside the sizes that were run (the minimum is measured, not extrapolated). */
    readonly bracketed: boolean;
  };
}

/** A point of a frontier line: N_opt and D_opt at budget C, with the bootstrap band when known. */
export interface FrontierPoint {
  readonly flops: number;
  readonly params: number;
  readonly tokens: number;
  readonly paramsLow?: number;
  readonly paramsHigh?: number;
  readonly tokensLow?: number;
  readonly tokensHigh?: number;
}

/** A fitted or published allocation mapping, or a simulated study's true law, drawn as N_opt(C), D_opt(C). */
export interface FrontierLine {
  /** `method-<n>`, `preset-<name>` or `truth`: what fixes the line's colour and dash on every chart. */
  readonly id: string;
  readonly label: string;
  readonly kind: 'fit' | 'preset' | 'truth';
  readonly points: readonly FrontierPoint[];
}

/** An IsoFLOP profile minimum on the frontier, with its ±1 s.e. interval (D = C/6N, so D's bounds are N's swapped). */
export interface FrontierMinimum {
  readonly flops: number;
  readonly params: number;
  readonly tokens: number;
  readonly paramsLow: number;
  readonly paramsHigh: number;
  readonly tokensLow: number;
  readonly tokensHigh: number;
  readonly bracketed: boolean;
}

/** N_opt and D_opt against C: the profile minima, each method's fit (with band), the presets and, when simulated, the truth. */
export interface FrontierView {
  readonly minima: readonly FrontierMinimum[];
  readonly lines: readonly FrontierLine[];
  /** The compute range the lines span (FLOPs). */
  readonly flopsRange: readonly [number, number];
  /** Central probability of the bands. */
  readonly confidence: number;
}

/** Iso-loss contours of a parametric law over (C, N), as in Hoffmann et al. 2022, Figure 4 (left). */
export interface ContourView {
  readonly law: LossLaw;
  readonly method: number;
  /** Contour points; `level` is the loss, points of one level ordered by `params` trace the curve. */
  readonly contours: readonly { readonly level: number; readonly flops: number; readonly params: number }[];
  /** Where each level is labelled: its nose, the compute-optimal point of the budget it belongs to. */
  readonly labels: readonly { readonly level: number; readonly flops: number; readonly params: number }[];
  /** The plotted region: contours are traced to its edges. */
  readonly domain: { readonly flops: readonly [number, number]; readonly params: readonly [number, number] };
  /** The law's efficient frontier N_opt(C) through the contours' left-most points. */
  readonly frontier: readonly { readonly flops: number; readonly params: number; readonly loss: number }[];
  /** The study's runs at their (C, N). */
  readonly runs: readonly { readonly runId: string; readonly flops: number; readonly params: number; readonly loss: number }[];
}

/** The law a simulated study's losses come from, drawn so a reader can see whether the fits found it. */
export interface TruthView {
  readonly law: LossLaw;
  /** Per budget, L(N, D) along the sizes run, with D the tokens each size trains on at that budget. */
  readonly profiles: readonly {
    readonly budgetFlops: number;
    readonly curve: readonly { readonly params: number; readonly loss: number }[];
  }[];
}

/** Plot data of the study page. */
export interface StudyPlots {
  readonly simulated: boolean;
  /** Every IsoFLOP budget of the plan and of the runs, ascending: the budget legend, fixed before any run finishes. */
  readonly budgets: readonly number[];
  /** Smallest and largest planned budget: where each budget's colour sits on the ramp. */
  readonly budgetRange: readonly [number, number];
  readonly profiles: readonly ProfileView[];
  readonly frontier: FrontierView;
  readonly contours?: ContourView;
  readonly truth?: TruthView;
}

const PARABOLA_SAMPLES = 41;
const FRONTIER_SAMPLES = 33;
const CONTOUR_SAMPLES = 60;
/** The frontier is drawn from a decade below the smallest sweep budget to two decades above the largest. */
const FRONTIER_DECADES_BELOW = 1;
const FRONTIER_DECADES_ABOVE = 2;

const METHOD_LABELS: Readonly<Record<number, string>> = {
  1: 'Approach 1 (envelope)',
  2: 'Approach 2 (IsoFLOP)',
  3: 'Approach 3 (parametric)',
};

/** Human label of a fitting method. */
export const methodLabel = (method: number): string => METHOD_LABELS[method] ?? `Method ${method}`;

const logSpace = (low: number, high: number, count: number): number[] => {
  const [a, b] = [Math.log10(low), Math.log10(high)];
  return Array.from({ length: count }, (_, i) => 10 ** (a + ((b - a) * i) / (count - 1)));
};

/** Final loss of a run that finished and can be fitted. */
const finishedLoss = (run: RunRecord): number | undefined =>
  run.state === RunState.Succeeded && run.outcome?.finalLoss !== undefined && Number.isFinite(run.outcome.finalLoss)
    ? run.outcome.finalLoss
    : undefined;

/** The mapping a status fit summary describes (used when no fit state with replicates is at hand). */
export function mappingOfSummary(summary: FitSummary): AllocationMapping | undefined {
  if (summary.law) return { kind: 'loss-law', law: summary.law };
  if (summary.paramCoeff !== undefined && summary.tokenCoeff !== undefined) {
    return {
      kind: 'power-law',
      powerLaw: { paramCoeff: summary.paramCoeff, paramExponent: summary.a, tokenCoeff: summary.tokenCoeff, tokenExponent: summary.b },
    };
  }
  return undefined;
}

/** IsoFLOP profiles: succeeded sweep runs grouped by budget, each with its least-squares parabola in ln N. */
export function buildProfiles(runs: readonly RunRecord[]): ProfileView[] {
  const byBudget = new Map<number, ProfilePoint[]>();
  for (const run of runs) {
    const loss = finishedLoss(run);
    if (run.kind !== RunKind.Sweep || loss === undefined) continue;
    const points = byBudget.get(run.budgetFlops) ?? [];
    points.push({
      runId: run.runId,
      params: runParamsTotal(run),
      tokens: run.outcome?.tokens ?? run.tokens,
      loss,
      simulated: run.simulated,
    });
    byBudget.set(run.budgetFlops, points);
  }
  return [...byBudget.entries()]
    .sort(([a], [b]) => a - b)
    .map(([budgetFlops, unsorted]) => {
      const points = [...unsorted].sort((p, q) => p.params - q.params);
      const distinctSizes = new Set(points.map((p) => p.params)).size;
      if (distinctSizes < 3) return { budgetFlops, points };
      // The same per-budget fit as Approach 2 in @scaleplan/scaling-laws, so the plot shows what was fitted.
      const fit = fitIsoFlopParabola(
        budgetFlops,
        points.map((p) => p.params),
        points.map((p) => p.loss),
      );
      const { c0, c1, c2 } = fit.coefficients;
      const [low, high] = [Math.log(fit.sampledParams.min), Math.log(fit.sampledParams.max)];
      const pad = 0.08 * (high - low);
      const curve = Array.from({ length: PARABOLA_SAMPLES }, (_, i) => {
        const x = low - pad + ((high - low + 2 * pad) * i) / (PARABOLA_SAMPLES - 1);
        return { params: Math.exp(x), loss: c0 + c1 * x + c2 * x * x };
      });
      let minimum: { params: number; loss: number; paramsLow: number; paramsHigh: number } | undefined;
      if (fit.minimumParams !== null && fit.minimumLoss !== null) {
        // ±1 s.e. of the vertex drawn in ln N (delta method: s.e.(ln N*) = s.e.(N*)/N*), so the bar stays positive.
        const spread = fit.minimumParamsStdError !== null ? fit.minimumParamsStdError / fit.minimumParams : 0;
        minimum = {
          params: fit.minimumParams,
          loss: fit.minimumLoss,
          paramsLow: fit.minimumParams * Math.exp(-spread),
          paramsHigh: fit.minimumParams * Math.exp(spread),
        };
      }
      return {
        budgetFlops,
        points,
        parabola: { coefficients: { c0, c1, c2 }, curve, bracketed: fit.bracketed, ...(minimum ? { minimum } : {}) },
      };
    });
}

function frontierPoints(fitted: FittedMapping, grid: readonly number[]): FrontierPoint[] {
  return grid.map((flops) => {
    const point = estimateAllocation(fitted, flops);
    const { params, tokens } = point.intervals;
    return {
      flops,
      params: point.params,
      tokens: point.tokens,
      ...(params ? { paramsLow: params.lower, paramsHigh: params.upper } : {}),
      ...(tokens ? { tokensLow: tokens.lower, tokensHigh: tokens.upper } : {}),
    };
  });
}

/** Budgets the study plans (from the spec) and ran, ascending; a default span when it has neither (a preset). */
function studyBudgets(input: StudyPlotsInput): number[] {
  const fromRuns = input.runs.filter((r) => r.kind === RunKind.Sweep).map((r) => r.budgetFlops);
  const sweep = input.study.spec.sweep;
  const all = [...fromRuns, ...(sweep ? resolveBudgets(sweep) : [])].filter((c) => Number.isFinite(c) && c > 0);
  return all.length > 0 ? [...new Set(all)].sort((a, b) => a - b) : [1e18, 1e21];
}

/** The compute range frontier lines and contours span: a decade below the smallest budget to two above the largest. */
function flopsRangeOf(input: StudyPlotsInput): [number, number] {
  const budgets = [...studyBudgets(input), ...(input.extraFlops ?? []).filter((c) => Number.isFinite(c) && c > 0)];
  return [Math.min(...budgets) / 10 ** FRONTIER_DECADES_BELOW, Math.max(...budgets) * 10 ** FRONTIER_DECADES_ABOVE];
}

/** A fitted mapping without replicates (no band): presets without a published interval, status fits, the truth. */
const bare = (mapping: AllocationMapping, method: FitSummary['method'], runs: number): FittedMapping => ({
  source: { kind: 'fit', method, runs },
  mapping,
  samples: [],
  percentiles: [10, 90],
});

/** N_opt(C) and D_opt(C): profile minima, each fitted method with its bootstrap band, the presets and the truth. */
export function buildFrontier(input: StudyPlotsInput, profiles: readonly ProfileView[]): FrontierView {
  const confidence = input.study.spec.fit?.confidence ?? 0.8;
  const flopsRange = flopsRangeOf(input);
  const grid = logSpace(flopsRange[0], flopsRange[1], FRONTIER_SAMPLES);
  const lines: FrontierLine[] = [];
  const fitted = input.fit?.methods.filter((m) => m.summary.converged) ?? [];
  if (fitted.length > 0) {
    for (const method of fitted) {
      lines.push({
        id: `method-${method.summary.method}`,
        label: methodLabel(method.summary.method),
        kind: 'fit',
        points: frontierPoints(method.fitted, grid),
      });
    }
  } else {
    for (const summary of input.study.status?.fits ?? []) {
      const mapping = summary.converged ? mappingOfSummary(summary) : undefined;
      if (!mapping) continue;
      lines.push({
        id: `method-${summary.method}`,
        label: methodLabel(summary.method),
        kind: 'fit',
        points: frontierPoints(bare(mapping, summary.method, summary.runs), grid),
      });
    }
  }
  for (const preset of input.presets ?? []) {
    lines.push({
      id: `preset-${preset.name}`,
      label: `${preset.name} (published)`,
      kind: 'preset',
      points: frontierPoints(preset.fitted, grid),
    });
  }
  const truth = simulatedLaw(input.study);
  if (truth) {
    lines.push({
      id: 'truth',
      label: 'true law (simulated)',
      kind: 'truth',
      points: frontierPoints(bare({ kind: 'loss-law', law: truth }, 3, 0), grid),
    });
  }
  const minima = profiles.flatMap((profile): FrontierMinimum[] => {
    const minimum = profile.parabola?.minimum;
    if (!minimum) return [];
    const tokensAt = (params: number) => profile.budgetFlops / (FLOPS_PER_PARAM_TOKEN * params);
    return [
      {
        flops: profile.budgetFlops,
        params: minimum.params,
        tokens: tokensAt(minimum.params),
        paramsLow: minimum.paramsLow,
        paramsHigh: minimum.paramsHigh,
        tokensLow: tokensAt(minimum.paramsHigh),
        tokensHigh: tokensAt(minimum.paramsLow),
        bracketed: profile.parabola!.bracketed,
      },
    ];
  });
  return { minima, lines, confidence, flopsRange };
}

/** The law a simulated study draws its losses from, if it is one. */
const simulatedLaw = (study: ScalingLaw): LossLaw | undefined => study.spec.sweep?.simulate?.law;

/** Samples per contour, log-spaced in N; dense enough that a straight segment between samples is invisible. */
const CONTOUR_PARAM_SAMPLES = 240;
/** The contour plot spans this many decades of N beyond the frontier at either end of the compute range. */
const CONTOUR_PARAM_MARGIN_DECADES = 1.5;

/**
 * Iso-loss contours of L(N, D = C/6N) over (C, N). On a contour L = ℓ the tokens are closed-form in N,
 * D = (B / (ℓ − E − A·N^−α))^(1/β), so C = 6·N·D traces it exactly with no root-finding. Levels are the
 * compute-optimal loss at whole decades of C, so each contour's nose (its least C) sits on the efficient
 * frontier, as in the paper; both branches are traced until they leave the plotted region.
 */
export function buildContours(law: LossLaw, method: number, input: StudyPlotsInput): ContourView {
  const [cLow, cHigh] = flopsRangeOf(input);
  const optimal = (flops: number) => computeOptimalAllocation(law, flops);
  const runs = input.runs.flatMap((run) => {
    const loss = finishedLoss(run);
    return loss === undefined || run.kind !== RunKind.Sweep
      ? []
      : [{ runId: run.runId, flops: run.budgetFlops, params: runParamsTotal(run), loss }];
  });
  const runSizes = runs.map((r) => Math.log10(r.params));
  const nLow = Math.min(Math.log10(optimal(cLow).params) - CONTOUR_PARAM_MARGIN_DECADES, ...runSizes);
  const nHigh = Math.max(Math.log10(optimal(cHigh).params) + CONTOUR_PARAM_MARGIN_DECADES, ...runSizes);
  const frontier = logSpace(cLow, cHigh, CONTOUR_SAMPLES).map((flops) => {
    const { params, tokens } = optimal(flops);
    return { flops, params, loss: predictLoss(law, params, tokens) };
  });
  const sizes = logSpace(10 ** nLow, 10 ** nHigh, CONTOUR_PARAM_SAMPLES);
  const contours: { level: number; flops: number; params: number }[] = [];
  const labels: { level: number; flops: number; params: number }[] = [];
  // Noses half a decade inside either edge: at the right edge a contour would be a single point, at the
  // left its label (drawn left of the nose) would fall off the plot.
  for (let e = Math.ceil(Math.log10(cLow) + 0.5); e <= Math.floor(Math.log10(cHigh) - 0.5); e++) {
    const nose = optimal(10 ** e);
    const level = predictLoss(law, nose.params, nose.tokens);
    labels.push({ level, flops: 10 ** e, params: nose.params });
    const flopsAt = (params: number): number => {
      const dataTerm = level - law.irreducibleLoss - law.paramCoeff * params ** -law.paramExponent;
      // No amount of data reaches this loss at this size.
      return dataTerm > 0
        ? FLOPS_PER_PARAM_TOKEN * params * (law.dataCoeff / dataTerm) ** (1 / law.dataExponent)
        : Number.POSITIVE_INFINITY;
    };
    const traced = sizes
      .filter((params) => Math.abs(Math.log(params / nose.params)) > 1e-9)
      .map((params) => ({ level, flops: flopsAt(params), params }));
    const sorted = [...traced, { level, flops: 10 ** e, params: nose.params }].sort((a, b) => a.params - b.params);
    contours.push(...clipToFlops(sorted, cHigh, (params) => ({ level, flops: flopsAt(params), params })));
  }
  return { law, method, contours, labels, domain: { flops: [cLow, cHigh], params: [10 ** nLow, 10 ** nHigh] }, runs, frontier };
}

/**
 * The points of one contour (ordered by N) with C ≤ cHigh, plus the exact point where each branch
 * crosses C = cHigh (bisection in ln N between the samples either side), so a branch ends on the
 * plot's right edge, not in mid-air. C is least at the nose, which lies inside the range.
 */
function clipToFlops<P extends { flops: number; params: number }>(points: readonly P[], cHigh: number, at: (params: number) => P): P[] {
  const out: P[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const previous = points[i - 1];
    if (previous && p.flops <= cHigh !== previous.flops <= cHigh) {
      let [inside, outside] =
        p.flops <= cHigh ? [Math.log(p.params), Math.log(previous.params)] : [Math.log(previous.params), Math.log(p.params)];
      for (let k = 0; k < 60; k++) {
        const mid = (inside + outside) / 2;
        if (at(Math.exp(mid)).flops <= cHigh) inside = mid;
        else outside = mid;
      }
      out.push({ ...at(Math.exp(inside)), flops: cHigh });
    }
    if (p.flops <= cHigh) out.push(p);
  }
  return out;
}

/**
 * The true law's IsoFLOP curves of a simulated study. Each run trains D = C / (FLOPs per token of its
 * exact shape), a little under C/6N, and its simulated loss is L(N, D); so the curve uses the runs'
 * own FLOPs-per-token ratio, interpolated in ln N, to sit where noiseless runs would.
 */
export function buildTruth(law: LossLaw, profiles: readonly ProfileView[]): TruthView {
  return {
    law,
    profiles: profiles.flatMap((profile) => {
      const points = profile.points.filter((p) => p.params > 0 && p.tokens > 0);
      if (points.length === 0) return [];
      const ratios = points.map((p) => ({ x: Math.log(p.params), k: profile.budgetFlops / (p.params * p.tokens) }));
      const ratioAt = (x: number): number => {
        if (x <= ratios[0]!.x) return ratios[0]!.k;
        for (let i = 1; i < ratios.length; i++) {
          const [a, b] = [ratios[i - 1]!, ratios[i]!];
          if (x <= b.x) return b.x === a.x ? b.k : a.k + ((b.k - a.k) * (x - a.x)) / (b.x - a.x);
        }
        return ratios[ratios.length - 1]!.k;
      };
      const [low, high] = [Math.log(points[0]!.params), Math.log(points[points.length - 1]!.params)];
      const pad = 0.08 * (high - low);
      const curve = Array.from({ length: PARABOLA_SAMPLES }, (_, i) => {
        const x = low - pad + ((high - low + 2 * pad) * i) / (PARABOLA_SAMPLES - 1);
        const params = Math.exp(x);
        return { params, loss: predictLoss(law, params, profile.budgetFlops / (ratioAt(x) * params)) };
      });
      return [{ budgetFlops: profile.budgetFlops, curve }];
    }),
  };
}

/** Everything the study page plots, computed on the server with the same numerics the control plane fits with. */
export function buildStudyPlots(input: StudyPlotsInput): StudyPlots {
  const profiles = buildProfiles(input.runs);
  const frontier = buildFrontier(input, profiles);
  const parametric = input.fit?.methods.find((m) => m.summary.converged && m.fitted.mapping.kind === 'loss-law') ?? undefined;
  const law =
    parametric?.fitted.mapping.kind === 'loss-law'
      ? parametric.fitted.mapping.law
      : input.study.status?.fits?.find((f) => f.converged && f.law)?.law;
  const method = parametric?.summary.method ?? input.study.status?.fits?.find((f) => f.converged && f.law)?.method ?? 3;
  const simulated = input.study.status?.simulated ?? input.study.spec.sweep?.simulate !== undefined;
  const budgets = studyBudgets(input);
  const planned = input.study.spec.sweep ? resolveBudgets(input.study.spec.sweep) : [];
  const rangeOf = planned.length > 0 ? planned : budgets;
  const truth = simulatedLaw(input.study);
  return {
    simulated,
    budgets,
    budgetRange: [Math.min(...rangeOf), Math.max(...rangeOf)],
    profiles,
    frontier,
    ...(law ? { contours: buildContours(law, method, input) } : {}),
    ...(truth ? { truth: buildTruth(truth, profiles) } : {}),
  };
}
