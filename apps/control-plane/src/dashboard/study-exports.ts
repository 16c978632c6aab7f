import type { FitSummary, RunRecord, ScalingLaw } from '@scaleplan/contracts';
import { runParamsTotal } from '../planning/run-params.js';

type Cell = string | number | boolean | undefined | null;

/**
 * One CSV field (RFC 4180 quoting). Text that a spreadsheet would run as a formula is prefixed with
 * an apostrophe (OWASP CSV injection advice); numbers are written as they are.
 */
export function csvField(value: Cell): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV document with a header row. */
export const toCsv = (header: readonly string[], rows: readonly (readonly Cell[])[]): string =>
  [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';

/** Columns of the runs CSV. */
export const RUN_CSV_COLUMNS = [
  'runId',
  'kind',
  'budgetFlops',
  'paramsTotal',
  'paramsNonEmbedding',
  'tokens',
  'flops',
  'finalLoss',
  'state',
  'simulated',
  'backend',
  'layers',
  'modelDim',
  'heads',
  'headDim',
  'ffDim',
  'vocabSize',
  'sequenceLength',
  'seed',
  'attempts',
  'wallSeconds',
  'tokensPerSecond',
  'plannedAt',
  'startedAt',
  'finishedAt',
  'error',
] as const;

/** The runs of a study as CSV: one row per run, with its shape, size, loss, backend and whether it was simulated. */
export function runsCsv(runs: readonly RunRecord[]): string {
  const rows = [...runs]
    .sort((p, q) => p.budgetFlops - q.budgetFlops || p.params - q.params || p.runId.localeCompare(q.runId))
    .map((run) => [
      run.runId,
      run.kind,
      run.budgetFlops,
      runParamsTotal(run),
      run.outcome?.params ?? run.params,
      run.outcome?.tokens ?? run.tokens,
      run.outcome?.flops,
      run.outcome?.finalLoss,
      run.state,
      run.simulated,
      run.outcome?.backend,
      run.shape.layers,
      run.shape.modelDim,
      run.shape.heads,
      run.shape.headDim,
      run.shape.ffDim,
      run.shape.vocabSize,
      run.shape.sequenceLength,
      run.seed,
      run.attempts,
      run.outcome?.wallSeconds,
      run.outcome?.tokensPerSecond,
      run.plannedAt,
      run.startedAt,
      run.finishedAt,
      run.error,
    ]);
  return toCsv(RUN_CSV_COLUMNS, rows);
}

const LAW_KEYS = ['irreducibleLoss', 'paramCoeff', 'dataCoeff', 'paramExponent', 'dataExponent'] as const;

/** Columns of the fits CSV. */
export const FIT_CSV_COLUMNS = [
  'method',
  'converged',
  'fittedAt',
  'runs',
  'simulated',
  'a',
  'aLow',
  'aHigh',
  'b',
  'bLow',
  'bHigh',
  'paramCoeff',
  'tokenCoeff',
  ...LAW_KEYS.flatMap((k) => [k, `${k}Low`, `${k}High`]),
  'objective',
  'warnings',
] as const;

/** The latest fit of each method as CSV, with interval bounds in their own columns. */
export function fitsCsv(study: ScalingLaw): string {
  const simulated = study.status?.simulated ?? study.spec.sweep?.simulate !== undefined;
  const rows = [...(study.status?.fits ?? [])]
    .sort((p, q) => p.method - q.method)
    .map((fit: FitSummary) => [
      fit.method,
      fit.converged,
      fit.fittedAt,
      fit.runs,
      simulated,
      fit.a,
      fit.aInterval?.[0],
      fit.aInterval?.[1],
      fit.b,
      fit.bInterval?.[0],
      fit.bInterval?.[1],
      fit.paramCoeff,
      fit.tokenCoeff,
      ...LAW_KEYS.flatMap((k) => [fit.law?.[k], fit.lawIntervals?.[k]?.[0], fit.lawIntervals?.[k]?.[1]]),
      fit.objective,
      fit.warnings.join('; '),
    ]);
  return toCsv(FIT_CSV_COLUMNS, rows);
}

/** The fits as JSON: latest per method, the history and the runs left out, with the study's identity. */
export function fitsJson(study: ScalingLaw): Record<string, unknown> {
  return {
    study: { namespace: study.metadata.namespace ?? 'default', name: study.metadata.name },
    simulated: study.status?.simulated ?? study.spec.sweep?.simulate !== undefined,
    confidence: study.spec.fit?.confidence ?? 0.8,
    primaryMethod: study.spec.fit?.primaryMethod,
    fits: study.status?.fits ?? [],
    fitHistory: study.status?.fitHistory ?? [],
    excludedRuns: study.status?.excludedRuns ?? [],
  };
}
