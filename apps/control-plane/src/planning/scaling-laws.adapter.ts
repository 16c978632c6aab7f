import { RunKind, RunState, type FitSummary, type RunRecord, type ScalingLaw } from '@scaleplan/contracts';
import {
  ACCELERATOR_NAMES,
  APPROACH3_DEFAULT_GRID,
  createRandom,
  fitApproach1,
  fitApproach2,
  fitApproach3,
  flopsFromAcceleratorHours,
  frontierExponents,
  getPreset,
  startFromLossLaw,
  type AllocationMapping,
  type Approach3Start,
  type LossCurve,
  type LossObservation,
  type Precision,
} from '@scaleplan/scaling-laws';
import type { BudgetFlopsResolver } from './budget-flops.js';
import { interval } from './allocation.js';
import type { Mapping, MethodFit, StudyFitState } from './fit-state.js';
import type { LawFitter } from './law-fitter.js';
import { PresetCatalog, type PresetLaw } from './presets.js';

/** The one place the control plane meets @scaleplan/scaling-laws' fitting and preset APIs. */

const toMapping = (mapping: AllocationMapping): Mapping =>
  mapping.kind === 'loss-law'
    ? { form: 'loss', law: { ...mapping.law } }
    : { form: 'power', paramCoeff: mapping.powerLaw.paramCoeff, a: mapping.powerLaw.paramExponent, tokenCoeff: mapping.powerLaw.tokenCoeff, b: mapping.powerLaw.tokenExponent };

const exponentsOf = (mapping: Mapping): { a: number; b: number } =>
  mapping.form === 'power' ? { a: mapping.a, b: mapping.b } : frontierExponents(mapping.law);

/** Presets from the library, keyed by the names in contracts' PRESET_NAMES. */
export function createPresetCatalog(): PresetCatalog {
  return new PresetCatalog((name): PresetLaw | undefined => {
    let preset;
    try {
      preset = getPreset(name);
    } catch {
      return undefined;
    }
    const mapping = toMapping(preset.mapping);
    const method = name.endsWith('approach1') ? 1 : name.endsWith('approach2') ? 2 : 3;
    return { name, method, mapping, ...exponentsOf(mapping), source: preset.source };
  });
}

/** spec.flops, or accelerator-hours × peak × MFU through the library's accelerator table. */
export function createBudgetFlopsResolverFromLibrary(): BudgetFlopsResolver {
  return (spec) => {
    if (spec.flops !== undefined) {
      return Number.isFinite(spec.flops) && spec.flops > 0 ? { ok: true, flops: spec.flops } : { ok: false, reason: `flops must be a finite number > 0, got ${spec.flops}` };
    }
    const hours = spec.acceleratorHours;
    if (!hours) return { ok: false, reason: 'give spec.flops or spec.acceleratorHours' };
    try {
      return { ok: true, flops: flopsFromAcceleratorHours({ hours: hours.hours, accelerator: hours.accelerator, precision: hours.precision as Precision, utilisation: hours.utilisation }) };
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

/** Succeeded, non-diverged sweep runs (exact N and D the worker trained); diverged runs are left out. */
export function fitRowsOf(runs: readonly (RunRecord & { curve?: readonly { tokens: number; trainLoss?: number; evalLoss?: number }[] })[]): FitRow[] {
  return runs
    .filter((r) => r.kind === RunKind.Sweep && r.state === RunState.Succeeded && r.outcome?.finalLoss !== undefined && Number.isFinite(r.outcome.finalLoss))
    .map((r) => {
      const params = r.outcome?.params ?? r.params;
      const points = (r.curve ?? [])
        .map((p) => ({ tokens: p.tokens, loss: (p.evalLoss ?? p.trainLoss) as number }))
        .filter((p) => p.tokens > 0 && Number.isFinite(p.loss) && p.loss > 0);
      return {
        observation: { params, tokens: r.outcome?.tokens ?? r.tokens, loss: r.outcome?.finalLoss as number, budgetFlops: r.budgetFlops, runId: r.runId },
        ...(points.length >= 2 ? { curve: { runId: r.runId, params, points } } : {}),
      };
    });
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Starts of a warm refit: the previous optimum and a few perturbations of it (refits stay cheap). */
function warmStarts(previous: Approach3Start): Approach3Start[] {
  const starts = [previous];
  for (const [da, db, de, dalpha, dbeta] of [
    [1, 0, 0, 0.1, 0],
    [0, 1, 0, 0, 0.1],
    [-1, -1, 0, -0.1, -0.1],
    [0, 0, 0.3, 0, 0],
    [0, 0, -0.3, 0, 0],
  ] as const) {
    starts.push({ a: previous.a + da, b: previous.b + db, e: previous.e + de, alpha: Math.max(0.05, previous.alpha + dalpha), beta: Math.max(0.05, previous.beta + dbeta) });
  }
  return starts;
}

/** A full-grid fit split into chunks so that the event loop keeps serving requests. */
async function fitApproach3Chunked(observations: readonly LossObservation[], starts: readonly Approach3Start[]): Promise<ReturnType<typeof fitApproach3>> {
  const chunk = 300;
  let best: ReturnType<typeof fitApproach3> | undefined;
  for (let i = 0; i < starts.length; i += chunk) {
    const fit = fitApproach3(observations, { starts: starts.slice(i, i + chunk) });
    if (!best || (fit.converged && !best.converged) || (fit.converged === best.converged && fit.objective < best.objective)) best = fit;
    await yieldToEventLoop();
  }
  return best as ReturnType<typeof fitApproach3>;
}

/** Fits one method once (point estimate or bootstrap replicate); undefined when it cannot fit this sample. */
type MethodRunner = (rows: readonly FitRow[], replicate: boolean) => Promise<{ mapping: Mapping; converged: boolean; objective?: number; warnings: readonly string[]; law?: Extract<Mapping, { form: 'loss' }>['law'] } | undefined>;

/**
 * The production fitter: Approaches 2 and 3 of @scaleplan/scaling-laws (Approach 1 when the library
 * exposes it) with a run-level bootstrap for the intervals. Approach 3 runs the paper's full start
 * grid on the first fit, then warm-starts from the previous optimum (plus a few perturbations), and
 * every bootstrap replicate starts from the point estimate, so refits stay cheap.
 */
export class LibraryLawFitter implements LawFitter {
  async fit(law: ScalingLaw, runs: readonly RunRecord[], previous: StudyFitState | undefined): Promise<StudyFitState> {
    const rows = fitRowsOf(runs);
    const fittedAt = new Date().toISOString();
    const { methods: wanted, bootstrap, confidence } = law.spec.fit;
    const methods: MethodFit[] = [];
    const skipped: { method: number; reason: string }[] = [];
    let warmStart = previous?.warmStart;
    const random = createRandom(law.spec.sweep?.seed ?? 0);

    for (const method of [...wanted].sort()) {
      const runner = this.runner(method, () => warmStart);
      if (!runner) {
        skipped.push({ method, reason: 'not available in @scaleplan/scaling-laws yet' });
        continue;
      }
      let point;
      try {
        point = await runner(rows, false);
      } catch (error) {
        skipped.push({ method, reason: (error as Error).message });
        continue;
      }
      if (!point) {
        skipped.push({ method, reason: 'the fit returned nothing' });
        continue;
      }
      if (point.law) warmStart = point.law;
      const samples: Mapping[] = [];
      for (let k = 0; k < bootstrap; k++) {
        const resampled = Array.from({ length: rows.length }, () => rows[Math.floor(random() * rows.length)] as FitRow);
        try {
          const replicate = await runner(resampled, true);
          if (replicate?.converged) samples.push(replicate.mapping);
        } catch {
          // A resample without enough distinct sizes per budget cannot be fitted; it is left out.
        }
        if (k % 10 === 9) await yieldToEventLoop();
      }
      const exponents = exponentsOf(point.mapping);
      const sampleExponents = samples.map(exponentsOf);
      const summary: FitSummary = {
        method: method as 1 | 2 | 3,
        converged: point.converged,
        fittedAt,
        runs: rows.length,
        a: exponents.a,
        b: exponents.b,
        ...(interval(sampleExponents.map((e) => e.a), confidence) ? { aInterval: interval(sampleExponents.map((e) => e.a), confidence) } : {}),
        ...(interval(sampleExponents.map((e) => e.b), confidence) ? { bInterval: interval(sampleExponents.map((e) => e.b), confidence) } : {}),
        ...(point.mapping.form === 'loss' ? { law: point.mapping.law, lawIntervals: lawIntervals(samples, confidence) } : { paramCoeff: point.mapping.paramCoeff, tokenCoeff: point.mapping.tokenCoeff }),
        ...(point.objective !== undefined ? { objective: point.objective } : {}),
        warnings: [...point.warnings, ...(bootstrap > 0 ? [`${samples.length}/${bootstrap} bootstrap resamples converged`] : [])],
      };
      methods.push({ summary, mapping: point.mapping, samples });
    }
    const history = [...(previous?.history ?? []), ...methods.map((m) => ({ fittedAt, method: m.summary.method, runs: m.summary.runs, a: m.summary.a, b: m.summary.b }))].slice(-200);
    return { fittedAt, runIds: rows.map((r) => r.observation.runId as string), methods, history, ...(warmStart ? { warmStart } : {}), skipped };
  }

  private runner(method: number, warm: () => Extract<Mapping, { form: 'loss' }>['law'] | undefined): MethodRunner | undefined {
    switch (method) {
      case 1:
        return async (rows) => {
          const curves = rows.flatMap((r) => (r.curve ? [r.curve] : []));
          // Resampling with replacement repeats curves; the envelope is the same with one copy of each.
          const unique = [...new Map(curves.map((c) => [c.runId, c])).values()];
          const fit = fitApproach1(unique);
          return { mapping: toMapping({ kind: 'power-law', powerLaw: fit.mapping }), converged: fit.converged, objective: fit.objective, warnings: fit.warnings };
        };
      case 2:
        return async (rows) => {
          const fit = fitApproach2(rows.map((r) => r.observation), { smallBudgets: 'skip' });
          return { mapping: toMapping({ kind: 'power-law', powerLaw: fit.mapping }), converged: fit.converged, objective: fit.objective, warnings: fit.warnings };
        };
      case 3:
        return async (rows, replicate) => {
          const observations = rows.map((r) => r.observation);
          const previous = warm();
          const fit = replicate && previous
            ? fitApproach3(observations, { starts: [startFromLossLaw(previous)] })
            : previous
              ? fitApproach3(observations, { starts: warmStarts(startFromLossLaw(previous)) })
              : await fitApproach3Chunked(observations, APPROACH3_DEFAULT_GRID);
          return { mapping: { form: 'loss', law: { ...fit.law } }, law: { ...fit.law }, converged: fit.converged && fit.frontier !== null, objective: fit.objective, warnings: fit.warnings };
        };
      default:
        return undefined;
    }
  }
}

function lawIntervals(samples: readonly Mapping[], confidence: number): Record<string, [number, number]> {
  const laws = samples.filter((s): s is Extract<Mapping, { form: 'loss' }> => s.form === 'loss').map((s) => s.law);
  const result: Record<string, [number, number]> = {};
  for (const key of ['irreducibleLoss', 'paramCoeff', 'dataCoeff', 'paramExponent', 'dataExponent'] as const) {
    const range = interval(laws.map((l) => l[key]), confidence);
    if (range) result[key] = range;
  }
  return result;
}

export function createLawFitter(): LawFitter {
  return new LibraryLawFitter();
}
