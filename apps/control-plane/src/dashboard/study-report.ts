import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RunState, type ComputeBudget, type ScalingLaw } from '@scaleplan/contracts';
import type { ScalingLawFitState } from '../planning/fit-state.js';
import { fitProfiles } from '../planning/sweep-planner.js';
import type { RunWithCurve } from '../scheduling/run-store.js';
import { countChannel, frame, logChannel, logExtent, type Spec } from './browser/chart-axes.js';
import * as fmt from './browser/format.js';
import { budgetLabel, budgetScale, frontierSpec, profilesSpec, type StudyChartOptions } from './browser/study-chart-specs.js';
import { renderChartSvg } from './chart-svg.js';
import { buildStudyPlots, type StudyPlots } from './study-plots.js';
import { runsCsv } from './study-exports.js';

/** A check of the study's answer that the report lists (e.g. the demo's, apps/demo/src/demo-verdict.ts). */
interface StudyReportCheck {
  readonly name: string;
  readonly passed: boolean;
  readonly detail: string;
}

/** What a study report is made of. */
export interface StudyReportInput {
  readonly law: ScalingLaw;
  readonly budget?: ComputeBudget;
  readonly runs: readonly RunWithCurve[];
  readonly fit?: ScalingLawFitState;
  readonly simulated: boolean;
  /** Why the study is not finished (e.g. the demo's deadline): the report is marked incomplete. */
  readonly incomplete?: string;
  /** Checks of the study's answer (the demo's), listed in report.json. */
  readonly checks?: readonly StudyReportCheck[];
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

/** Size of the report's charts: reads well in a browser or a document. */
const REPORT_CHART_SIZE = { width: 520, height: 340 } as const;

/**
 * The report's charts, from the dashboard's own definitions and plot data (same colours, axes, units
 * and encodings as the study page): IsoFLOP profiles, N_opt vs C with the budget's allocation, and
 * every run's loss curve coloured by budget.
 */
export function reportChartSpecs(input: StudyReportInput, label: string): { profiles: Spec; frontier: Spec; curves: Spec } {
  const allocation = input.budget?.status?.allocation;
  const target = allocation?.flops;
  const plots = buildStudyPlots({ study: input.law, runs: input.runs, fit: input.fit, extraFlops: target ? [target] : [] });
  const marker =
    target && allocation
      ? {
          flops: target,
          value: allocation.params,
          ...(allocation.paramsInterval ? { low: allocation.paramsInterval[0], high: allocation.paramsInterval[1] } : {}),
          label: `allocation at C = ${fmt.flops(target)}: N_opt = ${fmt.count(allocation.params)}${allocation.paramsInterval ? ` [${fmt.count(allocation.paramsInterval[0])}, ${fmt.count(allocation.paramsInterval[1])}]` : ''}`,
        }
      : undefined;
  const runsWithCurves = input.runs.filter((r) => r.curve.length > 0).length;
  return {
    profiles: profilesSpec(plots, {
      title: `IsoFLOP profiles${label}`,
      description: `IsoFLOP profiles of ${plots.profiles.length} budgets`,
      size: REPORT_CHART_SIZE,
    }),
    frontier: frontierSpec(plots, 'params', {
      title: `N_opt vs compute${label}`,
      description: 'Compute-optimal parameters against compute',
      size: REPORT_CHART_SIZE,
      ...(marker ? { allocation: marker } : {}),
    }),
    curves: runCurvesSpec(plots, input.runs, {
      title: `Loss curves${label}`,
      description: `Loss curves of ${runsWithCurves} runs`,
      size: REPORT_CHART_SIZE,
    }),
  };
}

/** Every run's loss curve (loss vs tokens seen, log-log), coloured by its IsoFLOP budget with the study's fixed budget colours. */
function runCurvesSpec(plots: StudyPlots, runs: readonly RunWithCurve[], options: StudyChartOptions): Spec {
  const values = runs.flatMap((r) =>
    r.curve.flatMap((p) => {
      const loss = p.evalLoss ?? p.trainLoss;
      return loss !== undefined && p.tokens > 0 ? [{ run: r.runId, tokens: p.tokens, loss, budget: budgetLabel(r.budgetFlops) }] : [];
    }),
  );
  return {
    ...frame(options.description, options.size, options.title),
    data: { values },
    mark: { type: 'line', opacity: 0.6, clip: true },
    encoding: {
      x: countChannel(
        'tokens',
        'Tokens seen (log)',
        logExtent(
          values.map((v) => v.tokens),
          0.03,
        ),
      ),
      y: logChannel(
        'loss',
        'Loss (nats/token, log)',
        logExtent(
          values.map((v) => v.loss),
          0.02,
        ),
        "format(datum.value, '.3~r')",
      ),
      color: { field: 'budget', type: 'nominal', title: 'IsoFLOP budget', scale: budgetScale(plots) },
      detail: { field: 'run', type: 'nominal' },
    },
  };
}

/** Writes report.json, runs.csv and the SVG plots into `dir`; returns the file paths. */
export async function writeStudyReport(dir: string, input: StudyReportInput): Promise<{ files: string[]; profiles: ProfileSummary[] }> {
  await mkdir(dir, { recursive: true });
  const label = `${input.simulated ? ' (SIMULATED runs)' : ''}${input.incomplete ? ' (INCOMPLETE)' : ''}`;
  const profiles = summariseProfiles(input.runs);
  const charts = reportChartSpecs(input, label);
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
    // The dashboard's runs export, so that `scaleplan fit runs.csv` reads the report as it reads the dashboard.
    ['runs.csv', runsCsv(input.runs)],
    ['isoflop-profiles.svg', await renderChartSvg(charts.profiles)],
    ['nopt-vs-flops.svg', await renderChartSvg(charts.frontier)],
    ['loss-curves.svg', await renderChartSvg(charts.curves)],
  ];
  for (const [name, content] of files) await writeFile(join(dir, name), content);
  return { files: files.map(([name]) => join(dir, name)), profiles };
}
