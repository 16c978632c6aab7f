import type { Command } from 'commander';
import {
  bootstrapApproach1,
  bootstrapApproach2,
  bootstrapApproach3,
  fitApproach1,
  fitApproach2,
  fitApproach3,
  ScalingLawError,
  type LossCurve,
  type LossObservation,
} from '@scaleplan/scaling-laws';
import { CliUsageError } from '../cli-errors.js';
import { parseInteger, parseNumberList } from '../cli-numbers.js';
import { approach3Report, describeReport, powerLawReport, type FitReport } from '../fit-report.js';
import { readRunsCsv } from '../runs-csv.js';

interface FitOptions {
  method: string;
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
 * Approach 1 wants loss curves: rows of one run (the run column: points along its training curve) or,
 * without one, of one model size (each row a run of its own: `finalLosses`, so the fit's last-15%-of-run
 * check does not apply across them).
 */
export function toCurves(runs: readonly LossObservation[], byRunColumn: boolean): LossCurve[] {
  const curves = new Map<string, { params: number; points: { tokens: number; loss: number }[] }>();
  for (const r of runs) {
    const key = byRunColumn ? r.runId! : String(r.params);
    const curve = curves.get(key) ?? { params: r.params, points: [] };
    curve.points.push({ tokens: r.tokens, loss: r.loss });
    curves.set(key, curve);
  }
  return [...curves.entries()].map(([runId, c]) => ({ runId, ...c, ...(byRunColumn ? {} : { finalLosses: true }) }));
}

function runMethod(method: 1 | 2 | 3, runs: LossObservation[], byRunColumn: boolean, budgets: number[], resamples: number, seed: number): FitReport {
  const boot = { resamples, seed, budgets };
  if (method === 3) {
    if (resamples > 0) {
      const b = bootstrapApproach3(runs, boot);
      return approach3Report(b.fit, runs.length, budgets, b);
    }
    return approach3Report(fitApproach3(runs), runs.length, budgets, null);
  }
  if (method === 2) {
    if (resamples > 0) {
      const b = bootstrapApproach2(runs, boot);
      return powerLawReport(2, b.fit, runs.length, budgets, b);
    }
    return powerLawReport(2, fitApproach2(runs), runs.length, budgets, null);
  }
  const curves = toCurves(runs, byRunColumn);
  if (curves.every((c) => c.points.length < 2)) {
    throw new ScalingLawError(
      'TooFewObservations',
      `Approach 1 needs loss curves (several D per run or per model size); every one of the ${curves.length} ${byRunColumn ? 'runs' : 'model sizes'} has a single row`,
    );
  }
  const usable = curves.filter((c) => c.points.length >= 2);
  if (resamples > 0) {
    const b = bootstrapApproach1(usable, boot);
    return powerLawReport(1, b.fit, runs.length, budgets, b);
  }
  return powerLawReport(1, fitApproach1(usable), runs.length, budgets, null);
}

/** `scaleplan fit RUNS.csv`: fit the Chinchilla approaches to measured runs. */
export function registerFitCommand(program: Command): void {
  program
    .command('fit')
    .description('Fit scaling laws (Chinchilla Approaches 1, 2, 3) to finished runs in a CSV file and print allocations')
    .argument('<runs.csv>', 'columns N (or "Model Size"), D (tokens) or C ("Training FLOP"), loss; optional budget, run')
    .option('--method <m>', '1, 2, 3 or all', 'all')
    .option('--bootstrap <K>', 'resamples for percentile intervals (0: none)', '0')
    .option('--seed <S>', 'bootstrap seed', '0')
    .option('--budgets <list>', 'comma-separated FLOP budgets for the allocation lines', DEFAULT_BUDGETS)
    .option('--drop-top-loss <K>', 'drop the K highest-loss rows first', '0')
    .option('--json', 'print one JSON object per method, one per line')
    .action((file: string, options: FitOptions) => {
      const methods: (1 | 2 | 3)[] = options.method === 'all' ? [1, 2, 3] : [];
      if (options.method !== 'all') {
        if (!['1', '2', '3'].includes(options.method)) throw new CliUsageError(`--method must be 1, 2, 3 or all, got ${JSON.stringify(options.method)}`);
        methods.push(Number(options.method) as 1 | 2 | 3);
      }
      const resamples = parseInteger('--bootstrap', options.bootstrap, 0);
      const seed = parseInteger('--seed', options.seed, 0);
      const budgets = parseNumberList('--budgets', options.budgets);
      const drop = parseInteger('--drop-top-loss', options.dropTopLoss, 0);
      const runsFile = readRunsCsv(file);
      const runs = dropTopLoss(runsFile.observations, drop);
      const byRunColumn = runsFile.columns.run !== undefined;
      let failures = 0;
      for (const method of methods) {
        try {
          const report = runMethod(method, runs, byRunColumn, budgets, resamples, seed);
          process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : `${describeReport(report)}\n\n`);
        } catch (error) {
          // One method's refusal (e.g. no loss curves for Approach 1) must not hide the others.
          if (!(error instanceof ScalingLawError) || methods.length === 1) throw error;
          failures++;
          if (options.json) process.stdout.write(`${JSON.stringify({ method, error: error.message, code: error.code })}\n`);
          else process.stdout.write(`Approach ${method}: not fitted: ${error.message}\n\n`);
        }
      }
      if (failures === methods.length) process.exitCode = 2;
    });
}
