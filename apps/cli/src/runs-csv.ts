import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { LossObservation } from '@scaleplan/scaling-laws';
import { CliUsageError } from './cli-errors.js';

/**
 * Accepted header names per quantity (case-insensitive), including those of Epoch's svg_extracted_data.csv;
 * where a file has several, the first name listed wins. `paramsTotal` comes first: the control plane's exports
 * also carry `paramsNonEmbedding`, and its fits count total parameters.
 */
export const RUN_COLUMNS = {
  params: ['paramstotal', 'n', 'params', 'parameters', 'model size'],
  tokens: ['d', 'tokens', 'training tokens'],
  flops: ['c', 'flops', 'training flop', 'training flops'],
  loss: ['loss', 'l', 'final loss', 'finalloss'],
  budget: ['budget', 'budget flops', 'budgetflops'],
  run: ['run', 'run id', 'runid'],
} as const;

/**
 * Columns of the demo's and the dashboard's runs.csv that say which rows are fit data: only succeeded
 * sweep runs are (the control plane fits exactly those); other rows are left out and listed.
 */
const STATE_COLUMN = 'state';
const KIND_COLUMN = 'kind';

/** Runs read from a CSV file, with the columns that were used. */
export interface RunsFile {
  readonly path: string;
  readonly observations: LossObservation[];
  /** the header used for each quantity */
  readonly columns: Readonly<Record<string, string>>;
  /** whether D came from a tokens column or from C/(6N) */
  readonly tokensFrom: 'tokens' | 'flops';
  /** data rows in the file */
  readonly rows: number;
  /** rows left out, with why (runs that did not succeed, final runs of a budget), e.g. "row 3 (run b1-n2): state failed" */
  readonly skipped: readonly string[];
}

const describeColumns = () =>
  Object.entries(RUN_COLUMNS)
    .map(([key, names]) => `${key}: ${names.map((n) => JSON.stringify(n)).join('/')}`)
    .join('; ');

/**
 * Reads finished runs from CSV: N, loss, and D (tokens) or C (FLOPs, D = C/6N); optionally a
 * budget and a run id. Extra columns are ignored. The demo's and the dashboard's runs.csv are read as
 * they are: `finalLoss` is the loss, and with `state`/`kind` columns only succeeded sweep runs are fitted.
 * Errors name the file, the row (1 = first data row; the header is line 1 of the file) and the column.
 */
export function readRunsCsv(path: string): RunsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliUsageError(`cannot read runs file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw new CliUsageError(`${path}: not valid CSV: ${(error as Error).message}`, { cause: error });
  }
  const [header, ...rows] = records;
  if (!header || rows.length === 0) throw new CliUsageError(`${path}: needs a header line and at least one run`);
  const lowerHeader = header.map((h) => h.toLowerCase());
  const find = (names: readonly string[]) => names.map((name) => lowerHeader.indexOf(name)).find((i) => i >= 0) ?? -1;
  const index = Object.fromEntries(Object.entries(RUN_COLUMNS).map(([key, names]) => [key, find(names)])) as Record<
    keyof typeof RUN_COLUMNS,
    number
  >;
  const missing: string[] = [];
  if (index.params < 0) missing.push('N (parameters)');
  if (index.loss < 0) missing.push('loss');
  if (index.tokens < 0 && index.flops < 0) missing.push('D (tokens) or C (FLOPs)');
  if (missing.length > 0) {
    throw new CliUsageError(
      `${path}: no column for ${missing.join(', ')}; found columns ${header.map((h) => JSON.stringify(h)).join(', ')}; accepted names: ${describeColumns()}`,
    );
  }
  const tokensFrom = index.tokens >= 0 ? 'tokens' : 'flops';
  const stateIndex = header.findIndex((h) => h.toLowerCase() === STATE_COLUMN);
  const kindIndex = header.findIndex((h) => h.toLowerCase() === KIND_COLUMN);
  const skipped: string[] = [];
  const fitRows = rows.flatMap((row, i) => {
    const why =
      stateIndex >= 0 && row[stateIndex] !== 'succeeded'
        ? `state ${row[stateIndex] || '(empty)'}`
        : kindIndex >= 0 && row[kindIndex] !== 'sweep'
          ? `kind ${row[kindIndex] || '(empty)'}`
          : null;
    if (why === null) return [{ row, rowNumber: i + 1 }];
    skipped.push(`row ${i + 1}${index.run >= 0 && row[index.run] ? ` (run ${row[index.run]})` : ''}: ${why}`);
    return [];
  });
  if (fitRows.length === 0)
    throw new CliUsageError(
      `${path}: no succeeded sweep runs to fit (${skipped.length} rows left out: ${skipped.slice(0, 3).join('; ')}${skipped.length > 3 ? '; …' : ''})`,
    );
  const numberAt = (row: string[], column: number, rowNumber: number): number => {
    const raw = row[column] ?? '';
    const value = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      throw new CliUsageError(
        `${path}: row ${rowNumber} (line ${rowNumber + 1}), column ${JSON.stringify(header[column])}: expected a number > 0, got ${JSON.stringify(raw)}`,
      );
    }
    return value;
  };
  const observations = fitRows.map(({ row, rowNumber }): LossObservation => {
    const params = numberAt(row, index.params, rowNumber);
    const tokens = tokensFrom === 'tokens' ? numberAt(row, index.tokens, rowNumber) : numberAt(row, index.flops, rowNumber) / (6 * params);
    const observation: { -readonly [K in keyof LossObservation]: LossObservation[K] } = {
      params,
      tokens,
      loss: numberAt(row, index.loss, rowNumber),
    };
    if (index.budget >= 0) observation.budgetFlops = numberAt(row, index.budget, rowNumber);
    observation.runId = index.run >= 0 && row[index.run] ? row[index.run]! : `row-${rowNumber}`;
    return observation;
  });
  const columns = Object.fromEntries(
    Object.entries(index)
      .filter(([, i]) => i >= 0)
      .map(([key, i]) => [key, header[i]!]),
  );
  return { path, observations, columns, tokensFrom, rows: rows.length, skipped };
}
