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
import type { StudyFitState } from '../planning/fit-state.js';

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
  readonly fit?: StudyFitState | undefined;
  readonly presets?: readonly PresetLine[];
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

/** A fitted or published allocation mapping drawn as N_opt(C), D_opt(C). */
export interface FrontierLine {
  readonly id: string;
  readonly label: string;
  readonly kind: 'fit' | 'preset';
  readonly points: readonly FrontierPoint[];
}

/** N_opt and D_opt against C: the profile minima, each method's fit (with band) and the presets. */
export interface FrontierView {
  readonly minima: readonly { readonly flops: number; readonly params: number; readonly tokens: number; readonly bracketed: boolean }[];
  readonly lines: readonly FrontierLine[];
  /** Central probability of the bands. */
  readonly confidence: number;
}

/** Iso-loss contours of a parametric law over (C, N), as in Hoffmann et al. 2022, Figure 4 (left). */
export interface ContourView {
  readonly law: LossLaw;
  readonly method: number;
  /** Contour points; `level` is the loss, points of one level ordered by `params` trace the curve. */
  readonly contours: readonly { readonly level: number; readonly flops: number; readonly params: number }[];
  /** The law's efficient frontier N_opt(C) through the contours' left-most points. */
  readonly frontier: readonly { readonly flops: number; readonly params: number; readonly loss: number }[];
  /** The study's runs at their (C, N). */
  readonly runs: readonly { readonly runId: string; readonly flops: number; readonly params: number; readonly loss: number }[];
}

/** Plot data of the study page. */
export interface StudyPlots {
  readonly simulated: boolean;
  readonly profiles: readonly ProfileView[];
  readonly frontier: FrontierView;
  readonly contours?: ContourView;
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

/** IsoFLOP profiles: succeeded sweep runs grouped by budget, each with its least-squares parabola in log10 N. */
export function buildProfiles(runs: readonly RunRecord[]): ProfileView[] {
  const byBudget = new Map<number, ProfilePoint[]>();
  for (const run of runs) {
    const loss = finishedLoss(run);
    if (run.kind !== RunKind.Sweep || loss === undefined) continue;
    const points = byBudget.get(run.budgetFlops) ?? [];
    points.push({
      runId: run.runId,
      params: run.outcome?.params ?? run.params,
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

/** Budgets the study sweeps (from the runs, else from the spec), ascending. */
function studyBudgets(input: StudyPlotsInput): number[] {
  const fromRuns = input.runs.filter((r) => r.kind === RunKind.Sweep).map((r) => r.budgetFlops);
  const sweep = input.study.spec.sweep;
  const fromSpec = sweep?.budgets ?? (sweep?.budgetRange ? [sweep.budgetRange.min, sweep.budgetRange.max] : []);
  const all = [...fromRuns, ...fromSpec].filter((c) => Number.isFinite(c) && c > 0);
  return all.length > 0 ? [...new Set(all)].sort((a, b) => a - b) : [1e18, 1e21];
}

/** N_opt(C) and D_opt(C): profile minima, each fitted method with its bootstrap band, and the presets. */
export function buildFrontier(input: StudyPlotsInput, profiles: readonly ProfileView[]): FrontierView {
  const confidence = input.study.spec.fit?.confidence ?? 0.8;
  const budgets = studyBudgets(input);
  const grid = logSpace(
    budgets[0]! / 10 ** FRONTIER_DECADES_BELOW,
    budgets[budgets.length - 1]! * 10 ** FRONTIER_DECADES_ABOVE,
    FRONTIER_SAMPLES,
  );
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
      const fitted: FittedMapping = {
        source: { kind: 'fit', method: summary.method, runs: summary.runs },
        mapping,
        samples: [],
        percentiles: [10, 90],
      };
      lines.push({ id: `method-${summary.method}`, label: methodLabel(summary.method), kind: 'fit', points: frontierPoints(fitted, grid) });
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
  const minima = profiles.flatMap((profile) => {
    const minimum = profile.parabola?.minimum;
    if (!minimum) return [];
    return [
      {
        flops: profile.budgetFlops,
        params: minimum.params,
        tokens: profile.budgetFlops / (FLOPS_PER_PARAM_TOKEN * minimum.params),
        bracketed: profile.parabola!.bracketed,
      },
    ];
  });
  return { minima, lines, confidence };
}

/** Loss along the IsoFLOP curve of budget C, as a function of log10 N. */
const isoFlopLoss = (law: LossLaw, flops: number, log10Params: number): number => {
  const params = 10 ** log10Params;
  return predictLoss(law, params, flops / (FLOPS_PER_PARAM_TOKEN * params));
};

/** log10 N in [low, high] where the IsoFLOP loss crosses `level` (monotone there), by bisection. */
function crossing(law: LossLaw, flops: number, level: number, low: number, high: number): number | undefined {
  let fLow = isoFlopLoss(law, flops, low) - level;
  const fHigh = isoFlopLoss(law, flops, high) - level;
  if (!(fLow * fHigh <= 0)) return undefined;
  let [a, b] = [low, high];
  for (let i = 0; i < 60 && b - a > 1e-9; i++) {
    const mid = (a + b) / 2;
    const fMid = isoFlopLoss(law, flops, mid) - level;
    if (fLow * fMid <= 0) b = mid;
    else [a, fLow] = [mid, fMid];
  }
  return (a + b) / 2;
}

/**
 * Iso-loss contours of L(N, D = C/6N) over (C, N). Levels are the compute-optimal loss at whole
 * decades of C, so each contour's left-most point sits on the efficient frontier (as in the paper).
 */
export function buildContours(law: LossLaw, method: number, input: StudyPlotsInput): ContourView {
  const budgets = studyBudgets(input);
  const [cLow, cHigh] = [budgets[0]! / 10 ** FRONTIER_DECADES_BELOW, budgets[budgets.length - 1]! * 10 ** FRONTIER_DECADES_ABOVE];
  const optimal = (flops: number) => computeOptimalAllocation(law, flops);
  const [nLow, nHigh] = [Math.log10(optimal(cLow).params) - 1.5, Math.log10(optimal(cHigh).params) + 1.5];
  const grid = logSpace(cLow, cHigh, CONTOUR_SAMPLES);
  const frontier = grid.map((flops) => {
    const { params, tokens } = optimal(flops);
    return { flops, params, loss: predictLoss(law, params, tokens) };
  });
  const decades = [];
  // A contour whose nose sits at the right edge would be a single point: stop half a decade short.
  for (let e = Math.ceil(Math.log10(cLow)); e <= Math.floor(Math.log10(cHigh) - 0.5); e++) decades.push(10 ** e);
  const contours: { level: number; flops: number; params: number }[] = [];
  for (const nose of decades) {
    const { params: noseParams, tokens: noseTokens } = optimal(nose);
    const level = predictLoss(law, noseParams, noseTokens);
    contours.push({ level, flops: nose, params: noseParams });
    for (const flops of grid.filter((c) => c > nose)) {
      const vertex = Math.log10(optimal(flops).params);
      for (const [low, high] of [
        [nLow, vertex],
        [vertex, nHigh],
      ] as const) {
        const x = crossing(law, flops, level, low, high);
        if (x !== undefined) contours.push({ level, flops, params: 10 ** x });
      }
    }
  }
  const runs = input.runs.flatMap((run) => {
    const loss = finishedLoss(run);
    return loss === undefined || run.kind !== RunKind.Sweep
      ? []
      : [{ runId: run.runId, flops: run.budgetFlops, params: run.outcome?.params ?? run.params, loss }];
  });
  return { law, method, contours, frontier, runs };
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
  return { simulated, profiles, frontier, ...(law ? { contours: buildContours(law, method, input) } : {}) };
}
