import type { Command } from 'commander';
import { fitScalingLaw, ScalingLawError, type FitMethod, type LossCurve, type LossObservation } from '@scaleplan/scaling-laws';
import { CliUsageError } from '../cli-errors.js';
import { parseInteger, parseNumberList } from '../cli-numbers.js';
import { describeReport, fitDocument } from '../fit-report.js';
import { readRunsCsv } from '../runs-csv.js';

interface FitOptions {
  method: string;
  primary?: string;
  bootstrap: string;
  seed: string;
  budgets: string;
  dropTopLoss: string;
  json?: boolean;
}

/** Default budgets for the allocation lines: 1e21 and 1e24 FLOPs. */
const DEFAULT_BUDGETS = '1e21,1e24';

/** Drops the k highest-loss runs (Epoch's main analysis drops 5 of the 245 Chinchilla points). */
export function dropTopLoss(runs: readonly LossObservation[], k: number): LossObservation[] {
  if (k === 0) return [...runs];
  if (k >= runs.length) throw new CliUsageError(`--drop-top-loss ${k} would drop all ${runs.length} runs`);
  const dropped = new Set([...runs].sort((p, q) => q.loss - p.loss).slice(0, k));
  return runs.filter((r) => !dropped.has(r));
}

/**
 * Rows → what the fits take. Rows sharing a run id are points along that run's training curve: the run's
 * observation is its last point and, with ≥ 2 points, it has a curve for Approach 1. A file with one row
 * per run has final losses only, so Approach 1 refuses it (rows of equal N are never glued into curves).
 */
export function runsAndCurves(rows: readonly LossObservation[]): { observations: LossObservation[]; curves: LossCurve[] } {
  const byRun = new Map<string, LossObservation[]>();
  for (const row of rows) byRun.set(row.runId!, [...(byRun.get(row.runId!) ?? []), row]);
  const observations: LossObservation[] = [];
  const curves: LossCurve[] = [];
  for (const [runId, points] of byRun) {
    const sorted = [...points].sort((p, q) => p.tokens - q.tokens);
    const sizes = new Set(sorted.map((p) => p.params));
    if (sizes.size > 1)
      throw new CliUsageError(`run ${runId}: its rows have ${sizes.size} different N; rows of one run are points along one training curve`);
    observations.push(sorted[sorted.length - 1]!);
    if (sorted.length >= 2)
      curves.push({ runId, params: sorted[0]!.params, points: sorted.map((p) => ({ tokens: p.tokens, loss: p.loss })) });
  }
  return { observations, curves };
}

/** --method: 1, 2, 3, a comma list ("2,3") or all. */
export function parseMethods(raw: string): FitMethod[] {
  if (raw === 'all') return [1, 2, 3];
  const items = raw.split(',').map((m) => m.trim());
  const unknown = items.filter((m) => !['1', '2', '3'].includes(m));
  if (unknown.length > 0 || items.length === 0)
    throw new CliUsageError(`--method must be 1, 2, 3, a comma-separated list of them or all, got ${JSON.stringify(raw)}`);
  return [...new Set(items.map(Number) as FitMethod[])];
}

/** `scaleplan fit RUNS.csv`: fit the Chinchilla approaches to measured runs, with intervals and a trust verdict. */
export function registerFitCommand(program: Command): void {
  program
    .command('fit')
    .description(
      'Fit scaling laws (Chinchilla Approaches 1, 2, 3) to finished runs in a CSV file: allocations with bootstrap intervals, diagnostics and a trust verdict',
    )
    .argument(
      '<runs.csv>',
      'columns N (or "Model Size", params), D (tokens) or C ("Training FLOP"), loss (or finalLoss); optional budget, run, state, kind',
    )
    .option('--method <m>', '1, 2, 3, a comma-separated list or all', 'all')
    .option('--primary <m>', 'the method whose verdict decides and whose influential runs are searched (default: 3 when fitted)')
    .option('--bootstrap <K>', 'resamples for percentile intervals (0: none, and no influence judgement)', '100')
    .option('--seed <S>', 'bootstrap seed', '0')
    .option('--budgets <list>', 'comma-separated FLOP budgets for the allocation lines and interval checks', DEFAULT_BUDGETS)
    .option('--drop-top-loss <K>', 'drop the K highest-loss rows first', '0')
    .option('--json', `print one JSON document (format "scaleplan-fit", version 1): fits[].fitted is what allocate --law-file reads`)
    .action((file: string, options: FitOptions) => {
      const methods = parseMethods(options.method);
      const primary = options.primary === undefined ? undefined : parseMethods(options.primary);
      if (primary && (primary.length !== 1 || !methods.includes(primary[0]!))) {
        throw new CliUsageError(
          `--primary must be one of the fitted methods (${methods.join(', ')}), got ${JSON.stringify(options.primary)}`,
        );
      }
      const resamples = parseInteger('--bootstrap', options.bootstrap, 0);
      const seed = parseInteger('--seed', options.seed, 0);
      const budgets = parseNumberList('--budgets', options.budgets);
      const drop = parseInteger('--drop-top-loss', options.dropTopLoss, 0);
      const runsFile = readRunsCsv(file);
      const { observations, curves } = runsAndCurves(runsFile.observations);
      const runs = dropTopLoss(observations, drop);
      const result = fitScalingLaw(runs, { methods, ...(primary ? { primaryMethod: primary[0] } : {}), curves, resamples, seed, budgets });
      const refused = result.methods.filter((m) => m.refused);
      // One method asked for and refused: its reason is the error (exit 2).
      if (methods.length === 1 && refused.length === 1)
        throw new ScalingLawError(refused[0]!.refused!.code as ScalingLawError['code'], refused[0]!.refused!.message);
      const document = fitDocument(result, { file, rows: runsFile.rows, runs: runs.length, skippedRows: runsFile.skipped });
      if (options.json) process.stdout.write(`${JSON.stringify(document)}\n`);
      else {
        if (runsFile.skipped.length > 0)
          process.stdout.write(
            `${runsFile.skipped.length} of ${runsFile.rows} rows left out (not succeeded sweep runs): ${runsFile.skipped.slice(0, 3).join('; ')}${runsFile.skipped.length > 3 ? '; …' : ''}\n\n`,
          );
        for (const report of document.fits) process.stdout.write(`${describeReport(report)}\n\n`);
      }
      if (refused.length === methods.length) process.exitCode = 2;
    });
}
