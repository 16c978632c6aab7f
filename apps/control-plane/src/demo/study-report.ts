import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunState, type ComputeBudget, type ScalingLaw } from '@scaleplan/contracts';
import { estimateAllocation } from '@scaleplan/scaling-laws';
import type { StudyFitState } from '../planning/fit-state.js';
import { fitProfiles } from '../planning/sweep-planner.js';
import type { RunWithCurve } from '../scheduling/run-store.js';
import type { DemoCheck } from './demo-verdict.js';

/** What a study report is made of. */
export interface StudyReportInput {
  readonly law: ScalingLaw;
  readonly budget?: ComputeBudget;
  readonly runs: readonly RunWithCurve[];
  readonly fit?: StudyFitState;
  readonly simulated: boolean;
  /** Why the study is not finished (e.g. the demo's deadline): the report is marked incomplete. */
  readonly incomplete?: string;
  /** The demo's checks of its answer (demo-verdict.ts). */
  readonly checks?: readonly DemoCheck[];
}

/** One IsoFLOP profile's minimum, as the report shows it. */
export interface ProfileSummary {
  readonly budgetFlops: number;
  readonly runs: number;
  readonly bracketed: boolean;
  readonly nOpt?: number;
  readonly nOptLow?: number;
  readonly nOptHigh?: number;
  readonly minLoss?: number;
}

const Z80 = 1.2816;

/** What every report chart shares: the vega-lite schema, its title and a size that reads well in a report. */
const chartFrame = (title: string) => ({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, width: 520, height: 340 });

/** Per-budget parabola minima of the succeeded runs. */
export function summariseProfiles(runs: readonly RunWithCurve[]): ProfileSummary[] {
  const profiles = fitProfiles(runs);
  return [...profiles]
    .sort(([a], [b]) => a - b)
    .map(([budgetFlops, profile]) => {
      const count = runs.filter((r) => r.budgetFlops === budgetFlops && r.state === RunState.Succeeded).length;
      if (!profile || !Number.isFinite(profile.vertexLog10Params)) return { budgetFlops, runs: count, bracketed: false };
      const se = Number.isFinite(profile.vertexStdErrDecades) ? profile.vertexStdErrDecades : 0;
      return {
        budgetFlops,
        runs: count,
        bracketed: profile.bracketed,
        nOpt: 10 ** profile.vertexLog10Params,
        nOptLow: 10 ** (profile.vertexLog10Params - Z80 * se),
        nOptHigh: 10 ** (profile.vertexLog10Params + Z80 * se),
        minLoss: profile.minLoss,
      };
    });
}

const csvCell = (value: unknown): string => {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** CSV of the runs (one row per run). */
export function runsCsv(runs: readonly RunWithCurve[]): string {
  const header = [
    'runId',
    'kind',
    'budgetFlops',
    'params',
    'tokens',
    'layers',
    'modelDim',
    'heads',
    'ffDim',
    'state',
    'finalLoss',
    'attempts',
    'wallSeconds',
    'tokensPerSecond',
    'backend',
    'simulated',
    'error',
  ];
  const rows = runs.map((r) => [
    // N and D the worker trained (what the fits use), so that `scaleplan fit runs.csv` gets the service's numbers.
    r.runId,
    r.kind,
    r.budgetFlops,
    r.outcome?.params ?? r.params,
    r.outcome?.tokens ?? r.tokens,
    r.shape.layers,
    r.shape.modelDim,
    r.shape.heads,
    r.shape.ffDim,
    r.state,
    r.outcome?.finalLoss,
    r.attempts,
    r.outcome?.wallSeconds,
    r.outcome?.tokensPerSecond,
    r.outcome?.backend,
    r.simulated,
    r.error,
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const fmtBudget = (flops: number): string => `C = ${flops.toExponential(1)} FLOPs`;

/** Legend order: budgets ascending (labels would sort as text otherwise). */
const budgetOrder = (runs: readonly RunWithCurve[]): string[] =>
  [...new Set(runs.map((r) => r.budgetFlops))].sort((a, b) => a - b).map(fmtBudget);

/** vega-lite spec of the IsoFLOP profiles: final loss vs N per budget, the fitted parabolas and their minima. */
export function isoFlopSpec(runs: readonly RunWithCurve[], title: string): Record<string, unknown> {
  const points = runs
    .filter((r) => r.kind === 'sweep' && r.state === RunState.Succeeded && r.outcome?.finalLoss !== undefined)
    .map((r) => ({ params: r.outcome?.params ?? r.params, loss: r.outcome?.finalLoss, budget: fmtBudget(r.budgetFlops) }));
  const curves: Record<string, unknown>[] = [];
  const minima: Record<string, unknown>[] = [];
  for (const [budgetFlops, profile] of fitProfiles(runs)) {
    if (!profile) continue;
    const sizes = runs.filter((r) => r.budgetFlops === budgetFlops && r.state === RunState.Succeeded).map((r) => Math.log10(r.params));
    const lo = Math.min(...sizes) - 0.1;
    const hi = Math.max(...sizes) + 0.1;
    for (let i = 0; i <= 40; i++) {
      const x = lo + ((hi - lo) * i) / 40;
      curves.push({ params: 10 ** x, loss: profile.a * x * x + profile.b * x + profile.c, budget: fmtBudget(budgetFlops) });
    }
    if (profile.bracketed) minima.push({ params: 10 ** profile.vertexLog10Params, loss: profile.minLoss, budget: fmtBudget(budgetFlops) });
  }
  // The axis spans the sizes run (and the fitted curves' 0.1-decade margin), not vega's rounded decades.
  const sizes = points.map((p) => p.params);
  const domain = sizes.length ? [Math.min(...sizes) / 10 ** 0.12, Math.max(...sizes) * 10 ** 0.12] : undefined;
  const x = {
    field: 'params',
    type: 'quantitative',
    scale: { type: 'log', nice: false, ...(domain ? { domain } : {}) },
    title: 'Parameters N (non-embedding)',
  };
  const y = { field: 'loss', type: 'quantitative', scale: { zero: false }, title: 'Final loss (nats/token)' };
  const color = { field: 'budget', type: 'nominal', title: 'IsoFLOP budget', sort: budgetOrder(runs) };
  return {
    ...chartFrame(title),
    layer: [
      { data: { values: curves }, mark: { type: 'line', opacity: 0.7, clip: true }, encoding: { x, y, color } },
      { data: { values: points }, mark: { type: 'point', filled: true, size: 50 }, encoding: { x, y, color } },
      {
        data: { values: minima },
        mark: { type: 'point', shape: 'triangle-down', size: 140, filled: true, color: 'black' },
        encoding: { x, y },
      },
    ],
  };
}

/** vega-lite spec of N_opt vs C: per-budget minima with their intervals and each method's fitted line. */
export function frontierSpec(input: StudyReportInput, profiles: readonly ProfileSummary[], title: string): Record<string, unknown> {
  const budgets = profiles.map((p) => p.budgetFlops);
  const target = input.budget?.status?.allocation?.flops;
  const lo = Math.min(...budgets) / 3;
  const hi = Math.max(...budgets, target ?? 0) * 3;
  const lines: Record<string, unknown>[] = [];
  for (const method of budgets.length ? (input.fit?.methods ?? []) : []) {
    if (!method.summary.converged) continue;
    for (let i = 0; i <= 30; i++) {
      const flops = lo * (hi / lo) ** (i / 30);
      try {
        lines.push({ flops, params: estimateAllocation(method.fitted, flops).params, fit: `Approach ${method.summary.method}` });
      } catch {
        // a fit without a finite allocation at this budget is simply not drawn there
      }
    }
  }
  const minima = profiles
    .filter((p) => p.nOpt !== undefined)
    .map((p) => ({
      flops: p.budgetFlops,
      params: p.nOpt,
      low: p.nOptLow,
      high: p.nOptHigh,
      bracketed: p.bracketed ? 'bracketed' : 'not bracketed',
    }));
  const allocation = input.budget?.status?.allocation;
  // The allocation and its interval go into the legend: the label says N_opt [low, high] at C.
  const targets =
    target && allocation
      ? [
          {
            flops: target,
            params: allocation.params,
            low: allocation.paramsInterval?.[0] ?? allocation.params,
            high: allocation.paramsInterval?.[1] ?? allocation.params,
            label: `allocation at C = ${target.toExponential(1)}: N_opt = ${allocation.params.toPrecision(3)}${allocation.paramsInterval ? ` [${allocation.paramsInterval.map((v) => v.toPrecision(3)).join(', ')}]` : ''}`,
          },
        ]
      : [];
  const x = {
    field: 'flops',
    type: 'quantitative',
    scale: { type: 'log', nice: false, ...(budgets.length ? { domain: [lo, hi] } : {}) },
    title: 'Compute budget C (FLOPs)',
  };
  const y = { field: 'params', type: 'quantitative', scale: { type: 'log' }, title: 'N_opt (parameters)' };
  const allocationColor = {
    field: 'label',
    type: 'nominal',
    title: 'Allocation (80% interval)',
    scale: { range: ['crimson'] },
    legend: { labelLimit: 520, titleLimit: 520, orient: 'bottom' },
  };
  return {
    ...chartFrame(title),
    layer: [
      {
        data: { values: lines },
        mark: { type: 'line', clip: true },
        encoding: { x, y, color: { field: 'fit', type: 'nominal', title: 'Fit' } },
      },
      { data: { values: minima }, mark: 'rule', encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' } } },
      {
        data: { values: minima },
        mark: { type: 'point', filled: true, size: 70, color: 'black' },
        encoding: { x, y, shape: { field: 'bracketed', type: 'nominal', title: 'IsoFLOP minimum' } },
      },
      {
        data: { values: targets },
        mark: { type: 'rule', strokeWidth: 2, color: 'crimson' },
        encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' } },
      },
      {
        data: { values: targets },
        mark: { type: 'point', shape: 'diamond', size: 160, filled: true },
        encoding: { x, y, fill: allocationColor },
      },
    ],
  };
}

/** vega-lite spec of the loss curves (loss vs tokens seen) of every run, coloured by budget. */
export function curvesSpec(runs: readonly RunWithCurve[], title: string): Record<string, unknown> {
  const values = runs.flatMap((r) =>
    r.curve
      .filter((p) => (p.evalLoss ?? p.trainLoss) !== undefined && p.tokens > 0)
      .map((p) => ({ run: r.runId, tokens: p.tokens, loss: p.evalLoss ?? p.trainLoss, budget: fmtBudget(r.budgetFlops) })),
  );
  return {
    ...chartFrame(title),
    data: { values },
    mark: { type: 'line', opacity: 0.6 },
    encoding: {
      x: { field: 'tokens', type: 'quantitative', scale: { type: 'log' }, title: 'Tokens seen' },
      y: { field: 'loss', type: 'quantitative', scale: { zero: false }, title: 'Loss (nats/token)' },
      color: { field: 'budget', type: 'nominal', title: 'IsoFLOP budget', sort: budgetOrder(runs) },
      detail: { field: 'run', type: 'nominal' },
    },
  };
}

/** Writes report.json, runs.csv and the SVG plots into `dir`; returns the file paths. */
export async function writeStudyReport(dir: string, input: StudyReportInput): Promise<{ files: string[]; profiles: ProfileSummary[] }> {
  await mkdir(dir, { recursive: true });
  const label = `${input.simulated ? ' (SIMULATED runs)' : ''}${input.incomplete ? ' (INCOMPLETE)' : ''}`;
  const profiles = summariseProfiles(input.runs);
  const report = {
    generatedAt: new Date().toISOString(),
    complete: input.incomplete === undefined,
    ...(input.incomplete ? { incomplete: input.incomplete } : {}),
    ...(input.checks ? { checks: input.checks } : {}),
    simulated: input.simulated,
    note: input.simulated
      ? 'Simulated runs: losses come from a known L(N, D) plus noise, not from training.'
      : 'Real training runs on this machine.',
    scalingLaw: { metadata: input.law.metadata, spec: input.law.spec, status: input.law.status },
    computeBudget: input.budget ? { metadata: input.budget.metadata, spec: input.budget.spec, status: input.budget.status } : undefined,
    profiles,
    fits: input.fit?.methods.map((m) => m.summary) ?? [],
    skippedFits: input.fit?.skipped ?? [],
    runs: input.runs,
  };
  const files: [string, string][] = [
    ['report.json', JSON.stringify(report, null, 2)],
    ['runs.csv', runsCsv(input.runs)],
    ['isoflop-profiles.svg', await renderSvg(isoFlopSpec(input.runs, `IsoFLOP profiles${label}`))],
    ['nopt-vs-flops.svg', await renderSvg(frontierSpec(input, profiles, `N_opt vs compute${label}`))],
    ['loss-curves.svg', await renderSvg(curvesSpec(input.runs, `Loss curves${label}`))],
  ];
  for (const [name, content] of files) await writeFile(join(dir, name), content);
  return { files: files.map(([name]) => join(dir, name)), profiles };
}
