import {
  ADMISSION_LIMITS,
  RunKind,
  RunState,
  SweepMode,
  type FitDiagnosticsStatus,
  type FitSummary,
  type RunRecord,
  type ScalingLaw,
  type TrustVerdictStatus,
} from '@scaleplan/contracts';
import {
  ACCELERATOR_NAMES,
  fitScalingLawAsync,
  flopsFromAcceleratorHours,
  frontierExponents,
  getPreset,
  presetFittedMapping,
  type AllocationMapping,
  type FitScalingLawOptions,
  type Interval,
  type LossCurve,
  type LossObservation,
  type MethodFitResult,
  type Precision,
  type TrustVerdict,
} from '@scaleplan/scaling-laws';
import type { BudgetFlopsResolver } from './budget-flops.js';
import type { MethodFit, ScalingLawFitState } from './fit-state.js';
import type { LawFitter } from './law-fitter.js';
import { PresetCatalog, type PresetLaw } from './presets.js';
import { runParamsTotal } from './run-params.js';

/** The one place the control plane meets @scaleplan/scaling-laws' fitting and preset APIs. */

const exponentsOf = (mapping: AllocationMapping): { a: number; b: number } =>
  mapping.kind === 'power-law' ? { a: mapping.powerLaw.paramExponent, b: mapping.powerLaw.tokenExponent } : frontierExponents(mapping.law);

/** Presets from the library, keyed by the names in contracts' PRESET_NAMES. */
export function createPresetCatalog(): PresetCatalog {
  return new PresetCatalog((name): PresetLaw | undefined => {
    let preset;
    try {
      preset = getPreset(name);
    } catch {
      return undefined;
    }
    return { name, method: preset.method, fitted: presetFittedMapping(name), ...exponentsOf(preset.mapping), source: preset.source };
  });
}

/** spec.flops, or accelerator-hours × peak × MFU through the library's accelerator table. */
export function createBudgetFlopsResolverFromLibrary(): BudgetFlopsResolver {
  return (spec) => {
    const max = ADMISSION_LIMITS.maxBudgetFlops;
    if (spec.flops !== undefined) {
      return Number.isFinite(spec.flops) && spec.flops > 0 && spec.flops <= max
        ? { ok: true, flops: spec.flops }
        : { ok: false, reason: `flops must be a finite number > 0 and at most ${max.toExponential(0)}, got ${spec.flops}` };
    }
    const hours = spec.acceleratorHours;
    if (!hours) return { ok: false, reason: 'give spec.flops or spec.acceleratorHours' };
    try {
      const flops = flopsFromAcceleratorHours({
        hours: hours.hours,
        accelerator: hours.accelerator,
        precision: hours.precision as Precision,
        utilisation: hours.utilisation,
      });
      // The admission contract bounds hours (1e10 of today's fastest chip is ~1e29 FLOPs); the FLOPs must obey the budget limit whatever the table holds.
      if (!(Number.isFinite(flops) && flops <= max))
        return {
          ok: false,
          reason: `${hours.hours} accelerator-hours resolve to ${flops.toExponential(3)} FLOPs, more than the ${max.toExponential(0)} accepted`,
        };
      return { ok: true, flops };
    } catch (error) {
      return { ok: false, reason: `${(error as Error).message} (known accelerators: ${ACCELERATOR_NAMES.join(', ')})` };
    }
  };
}

/** A run as the fits see it: its observation and (for Approach 1) its loss curve. */
interface FitRow {
  readonly observation: LossObservation;
  readonly curve?: LossCurve;
}

/**
 * Succeeded, non-diverged sweep runs (exact N and D the worker trained); diverged runs are left out. N is
 * the total parameter count, as the sweep planned it and as Chinchilla and the presets count it.
 */
export function fitRowsOf(
  runs: readonly (RunRecord & { curve?: readonly { tokens: number; trainLoss?: number; evalLoss?: number }[] })[],
): FitRow[] {
  return runs
    .filter(
      (r) =>
        r.kind === RunKind.Sweep &&
        r.state === RunState.Succeeded &&
        r.outcome?.finalLoss !== undefined &&
        Number.isFinite(r.outcome.finalLoss),
    )
    .map((r) => {
      const params = runParamsTotal(r);
      const points = (r.curve ?? [])
        .map((p) => ({ tokens: p.tokens, loss: (p.evalLoss ?? p.trainLoss) as number }))
        .filter((p) => p.tokens > 0 && Number.isFinite(p.loss) && p.loss > 0);
      return {
        observation: {
          params,
          tokens: r.outcome?.tokens ?? r.tokens,
          loss: r.outcome?.finalLoss as number,
          budgetFlops: r.budgetFlops,
          runId: r.runId,
        },
        ...(points.length >= 2 ? { curve: { runId: r.runId, params, points } } : {}),
      };
    });
}

/** Percentiles (in percent) of the central `confidence` interval. */
const percentilesOf = (confidence: number): [number, number] => [((1 - confidence) / 2) * 100, ((1 + confidence) / 2) * 100];

const pair = (interval: Interval | undefined): [number, number] | undefined => (interval ? [interval.lower, interval.upper] : undefined);

const LAW_KEYS = ['irreducibleLoss', 'paramCoeff', 'dataCoeff', 'paramExponent', 'dataExponent'] as const;

/** The verdict as the status carries it. */
export const verdictStatus = (verdict: TrustVerdict): TrustVerdictStatus => ({
  trusted: verdict.trusted,
  reason: verdict.reason,
  message: verdict.message,
  checks: verdict.checks.map((c) => ({
    name: c.name,
    passed: c.passed,
    severity: c.severity,
    message: c.message,
    ...(c.value !== undefined ? { value: c.value } : {}),
  })),
});

/** The diagnostics as the status carries them (intervals as [low, high], at most a few runs). */
function diagnosticsStatus(d: MethodFitResult['diagnostics']): FitDiagnosticsStatus {
  return {
    evidence: d.evidence,
    budgets: d.budgets.map((b) => ({
      flops: b.flops,
      sizes: b.sizes,
      minimumParams: b.minimumParams,
      bracketed: b.bracketed,
      withinMargin: b.withinMargin,
    })),
    ...(d.irreducibleLoss ? { irreducibleLoss: d.irreducibleLoss } : {}),
    nOpt: d.nOpt.map((n) => ({ flops: n.flops, params: n.params, ...(n.interval ? { interval: pair(n.interval)!, ratio: n.ratio } : {}) })),
    agreement: d.agreement.map((m) => ({
      method: m.method,
      a: m.a,
      ...(m.aInterval ? { aInterval: pair(m.aInterval)! } : {}),
      agrees: m.agrees,
    })),
    ...(d.influence
      ? {
          influence: {
            flops: d.influence.flops,
            flagged: d.influence.flagged.slice(0, 20),
            ...(d.influence.outliers ? { outliers: { ...d.influence.outliers, runIds: [...d.influence.outliers.runIds] } } : {}),
            leaveOneOut: d.influence.leaveOneOut.map((r) => ({ ...r })),
            note: d.influence.note,
          },
        }
      : {}),
  };
}

/** The status summary of one fitted method (exact numbers; `displayedFit` rounds the printer columns). */
export function fitSummaryOf(m: MethodFitResult, fittedAt: string): FitSummary | undefined {
  if (!m.fit || m.a === null || m.b === null || !m.fitted) return undefined;
  const mapping = m.fitted.mapping;
  const lawIntervals = Object.fromEntries(LAW_KEYS.flatMap((k) => (m.intervals[k] ? [[k, pair(m.intervals[k])!]] : [])));
  return {
    method: m.method,
    converged: m.converged,
    fittedAt,
    runs: m.runs,
    a: m.a,
    b: m.b,
    ...(m.intervals.a ? { aInterval: pair(m.intervals.a)! } : {}),
    ...(m.intervals.b ? { bInterval: pair(m.intervals.b)! } : {}),
    ...(mapping.kind === 'loss-law'
      ? { law: { ...mapping.law }, lawIntervals }
      : { paramCoeff: mapping.powerLaw.paramCoeff, tokenCoeff: mapping.powerLaw.tokenCoeff }),
    ...(m.objective !== null ? { objective: m.objective } : {}),
    warnings: [...m.warnings],
    verdict: verdictStatus(m.verdict),
    diagnostics: diagnosticsStatus(m.diagnostics),
  };
}

/** Budgets whose N_opt interval the verdict checks: the sweep's precision target and the budgets that use the law. */
const budgetsOf = (law: ScalingLaw, using: readonly number[]): number[] =>
  [...new Set([...(law.spec.sweep?.target ? [law.spec.sweep.target.atFlops] : []), ...using])].sort((p, q) => p - q);

/** The fit options a study implies; `scaleplan fit` with the same seed, bootstrap and budgets computes the same numbers. */
export function fitOptionsOf(law: ScalingLaw, fittedAt?: string, using: readonly number[] = []): FitScalingLawOptions {
  const { methods, primaryMethod, bootstrap, confidence } = law.spec.fit;
  return {
    methods,
    primaryMethod,
    resamples: bootstrap,
    seed: law.spec.sweep?.seed ?? 0,
    percentiles: percentilesOf(confidence),
    budgets: budgetsOf(law, using),
    ...(fittedAt ? { fittedAt } : {}),
  };
}

/**
 * The budgets whose runs form IsoFLOP profiles, for Approach 2 and the bracketing check; undefined (every
 * budget) outside training-curves mode. There, each size's shorter runs share budgets (C/16 for every size)
 * whose sizes are centred on the optimum of C, not of theirs; a budget counts when the spec lists it or
 * when one of its runs is the longest of its shape (the budgets the adaptive planner adds).
 */
export function isoFlopBudgetsOf(law: ScalingLaw, runs: readonly RunRecord[]): number[] | undefined {
  if (law.spec.sweep?.mode !== SweepMode.TrainingCurves) return undefined;
  const longestOfShape = new Map<number, number>();
  for (const run of runs) {
    const params = runParamsTotal(run);
    longestOfShape.set(params, Math.max(longestOfShape.get(params) ?? 0, run.budgetFlops));
  }
  const budgets = new Set(law.spec.sweep.budgets ?? []);
  for (const run of runs) if (longestOfShape.get(runParamsTotal(run)) === run.budgetFlops) budgets.add(run.budgetFlops);
  return [...budgets].sort((p, q) => p - q);
}

/**
 * The production fitter: `fitScalingLawAsync` of @scaleplan/scaling-laws (every method, its bootstrap,
 * diagnostics and trust verdict), paused every few steps so the event loop keeps serving requests. The
 * previous Approach-3 optimum joins the full start grid, so a refit is never worse than a fresh fit.
 */
export class LibraryLawFitter implements LawFitter {
  async fit(
    law: ScalingLaw,
    runs: readonly RunRecord[],
    previous: ScalingLawFitState | undefined,
    budgets: readonly number[] = [],
  ): Promise<ScalingLawFitState> {
    const rows = fitRowsOf(runs);
    const fittedAt = new Date().toISOString();
    const curves = rows.flatMap((r) => (r.curve ? [r.curve] : []));
    const isoFlopBudgets = isoFlopBudgetsOf(law, runs);
    const result = await fitScalingLawAsync(
      rows.map((r) => r.observation),
      {
        ...fitOptionsOf(law, fittedAt, budgets),
        curves,
        ...(isoFlopBudgets ? { isoFlopBudgets } : {}),
        ...(previous?.warmStart ? { warmStart: previous.warmStart } : {}),
      },
      { yieldEvery: 1 },
    );
    const methods: MethodFit[] = [];
    const skipped: { method: number; reason: string }[] = [];
    for (const m of result.methods) {
      const summary = fitSummaryOf(m, fittedAt);
      if (summary && m.fitted) methods.push({ summary, fitted: m.fitted });
      else skipped.push({ method: m.method, reason: m.refused?.message ?? m.verdict.message });
    }
    const approach3 = result.methods.find((m) => m.method === 3 && m.fit?.method === 'approach3' && m.converged);
    const warmStart = approach3?.fit?.method === 'approach3' ? { ...approach3.fit.law } : previous?.warmStart;
    const history = [
      ...(previous?.history ?? []),
      ...methods.map((m) => ({ fittedAt, method: m.summary.method, runs: m.summary.runs, a: m.summary.a, b: m.summary.b })),
    ].slice(-200);
    return {
      fittedAt,
      runIds: rows.map((r) => r.observation.runId as string),
      methods,
      history,
      ...(warmStart ? { warmStart } : {}),
      skipped,
      primaryMethod: result.primaryMethod,
      verdicts: result.methods.map((m) => ({ method: m.method, verdict: verdictStatus(m.verdict) })),
    };
  }
}

export function createLawFitter(): LawFitter {
  return new LibraryLawFitter();
}
