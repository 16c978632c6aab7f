import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { needsSharedData, sharedDataFile } from '../../../../test/support/shared-data.js';
import { readRunsCsv } from '../runs-csv.js';
import { dropTopLoss, registerFitCommand, runsAndCurves } from './fit.command.js';

const SVG = sharedDataFile('svg_extracted_data.csv');
const runCli = (...args: string[]) => {
  if (!existsSync('dist/apps/cli/src/main.js'))
    throw new Error('dist/apps/cli/src/main.js is missing: run "npm run build" before this spec');
  const result = spawnSync(process.execPath, ['bin/scaleplan.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

const dir = mkdtempSync(join(tmpdir(), 'scaleplan-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const csv = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('scaleplan fit (built CLI)', () => {
  it(
    "fits the 240 Chinchilla runs into one JSON document: intervals, verdicts, and each method's FittedMapping",
    needsSharedData('svg_extracted_data.csv'),
    () => {
      const { status, stdout, stderr } = runCli(
        'fit',
        SVG,
        '--drop-top-loss',
        '5',
        '--method',
        'all',
        '--bootstrap',
        '20',
        '--seed',
        '3',
        '--budgets',
        '1e21,5.76e23',
        '--json',
      );
      expect(stderr).toBe('');
      expect(status).toBe(0);
      const document = JSON.parse(stdout);
      expect(document).toMatchObject({
        format: 'scaleplan-fit',
        version: 1,
        primaryMethod: 3,
        seed: 3,
        resamples: 20,
        percentiles: [10, 90],
        budgets: [1e21, 5.76e23],
      });
      expect(document.fits.map((f: { method: number }) => f.method)).toEqual([1, 2, 3]);
      const [one, two, three] = document.fits;
      // Final losses only: Approach 1 refuses with the reason instead of gluing rows of equal N into curves.
      expect(one.refused.message).toMatch(/needs training curves/);
      expect(one.verdict.reason).toBe('InsufficientEvidence');
      expect(Object.keys(three)).toEqual(
        expect.arrayContaining([
          'method',
          'params',
          'a',
          'b',
          'G',
          'objective',
          'converged',
          'intervals',
          'allocations',
          'verdict',
          'diagnostics',
          'fitted',
        ]),
      );
      expect(three.runs).toBe(240);
      expect(three.converged).toBe(true);
      expect(Math.abs(three.params.alpha / 0.3473 - 1)).toBeLessThan(2e-3);
      expect(Math.abs(three.a - 0.5139)).toBeLessThan(0.002);
      expect(Object.keys(three.intervals)).toEqual(expect.arrayContaining(['E', 'A', 'B', 'alpha', 'beta', 'a', 'b', 'G']));
      expect(three.intervals.a.lower).toBeLessThan(three.intervals.a.upper);
      expect(three.bootstrap).toMatchObject({ resamples: 20, percentiles: [10, 90] });
      expect(three.allocations).toHaveLength(2);
      expect(three.allocations[1]).toMatchObject({ flops: 5.76e23 });
      expect(three.allocations[1].intervals.params.lower).toBeLessThan(three.allocations[1].params * 1.0001);
      expect(three.fitted).toMatchObject({
        source: { kind: 'fit', method: 3, runs: 240 },
        mapping: { kind: 'loss-law' },
        percentiles: [10, 90],
        resamples: 20,
      });
      expect(three.fitted.samples).toHaveLength(three.bootstrap.succeeded);
      expect(three.verdict.checks.map((c: { name: string }) => c.name)).toContain('influentialRuns');
      expect(two.params).toBeNull();
      expect(two.fitted.mapping.kind).toBe('power-law');
      expect(Math.abs(two.a - 0.5175)).toBeLessThan(0.03);
      // Approach 2's loss is its compute frontier through the IsoFLOP minima (no floor), with its interval.
      expect(two.allocations[0].loss).toBeGreaterThan(1.69);
      expect(two.allocations[0].intervals.loss.lower).toBeLessThan(two.allocations[0].loss);
      expect(two.allocations[0].intervals.loss.upper).toBeGreaterThan(two.allocations[0].loss);
    },
  );

  it(
    'by default warns when a few runs move the answer beyond its interval (all 245 Chinchilla rows)',
    needsSharedData('svg_extracted_data.csv'),
    () => {
      const { status, stdout } = runCli('fit', SVG, '--method', '3', '--bootstrap', '50', '--budgets', '1e24');
      expect(status).toBe(0);
      expect(stdout).toMatch(
        /warning influentialRuns: 5 run\(s\) move the answer beyond its interval: without the 5 most outlying run\(s\) \(row-2, row-1, row-4, row-3, row-5\)/,
      );
    },
  );

  it('unknown methods: one clear line, exit 2', () => {
    const { status, stdout, stderr } = runCli('fit', join(dir, 'any.csv'), '--method', '4');
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('scaleplan: --method must be 1, 2, 3, a comma-separated list of them or all, got "4"\n');
  });

  it('reads N from paramsTotal when a file has both counts (the control plane fits total parameters)', () => {
    const path = csv('both.csv', 'runId,paramsNonEmbedding,params,paramsTotal,tokens,finalLoss\nr1,900,900,1000,2000,3.5\n');
    const file = readRunsCsv(path);
    expect(file.columns.params).toBe('paramsTotal');
    expect(file.observations[0]).toMatchObject({ params: 1000, tokens: 2000, loss: 3.5 });
    expect(readRunsCsv(csv('n.csv', 'n,params,d,loss\n5,7,2000,3.5\n')).columns.params).toBe('n');
  });

  it('accepts N, D, loss columns and prints a text report', () => {
    const rows = ['N,D,loss'];
    for (const [n, d] of [
      [1e8, 2e9],
      [2e8, 1e9],
      [4e8, 5e8],
      [1e8, 2e10],
      [2e8, 1e10],
      [4e8, 5e9],
      [8e8, 2.5e9],
    ]) {
      rows.push(`${n},${d},${(1.8 + 480 / n ** 0.35 + 2000 / d ** 0.37).toFixed(6)}`);
    }
    const { status, stdout } = runCli('fit', csv('nd.csv', rows.join('\n')), '--method', '3', '--bootstrap', '0');
    expect(status).toBe(0);
    expect(stdout).toMatch(/Approach 3 \(parametric loss, Huber δ=1e-3\) \[primary\]: 7 runs, converged/);
    // 7 runs are fewer than a trustworthy Approach 3 needs: the verdict says so.
    expect(stdout).toMatch(
      /verdict: NOT TRUSTED \(InsufficientEvidence\)\n {4}blocking enoughRuns: 7 runs \(a trustworthy Approach 3 fit needs ≥ 10\)/,
    );
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.csv'), /cannot read runs file .*nope\.csv: ENOENT/],
    [
      'an unknown column set',
      () => csv('cols.csv', 'size,flop,value\n1,2,3\n'),
      /cols\.csv: no column for N \(parameters\), loss, D \(tokens\) or C \(FLOPs\); found columns "size", "flop", "value"; accepted names: params: "paramstotal"\/"n"/,
    ],
    [
      'a non-number',
      () => csv('nan.csv', 'N,C,loss\n1e8,1e19,3.1\n2e8,1e19,abc\n'),
      /nan\.csv: row 2 \(line 3\), column "loss": expected a number > 0, got "abc"/,
    ],
  ])('refuses %s with a message naming it and exit code 2', (_name, path, message) => {
    const { status, stderr } = runCli('fit', path(), '--method', '3');
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
  });
});

// Further refusals in-process (same action and reader, no process start).
describe('scaleplan fit refusals', () => {
  const run = (args: string[]) => {
    const program = new Command('scaleplan').exitOverride();
    registerFitCommand(program);
    return program.parseAsync(['node', 'scaleplan', 'fit', ...args]);
  };
  it.each([
    [() => [SVG, '--method', '4'], /--method must be 1, 2, 3, a comma-separated list of them or all, got "4"/],
    [() => [SVG, '--method', '2,5'], /--method must be 1, 2, 3, a comma-separated list of them or all, got "2,5"/],
    [() => [SVG, '--method', '2', '--primary', '3'], /--primary must be one of the fitted methods \(2\), got "3"/],
    [() => [SVG, '--bootstrap', '-1'], /--bootstrap must be an integer ≥ 0, got "-1"/],
    [() => [SVG, '--budgets', '1e21,x'], /--budgets must be a number > 0 \(e\.g\. 1e24\), got "x"/],
    [
      () => [csv('neg.csv', 'Model Size,Training FLOP,loss\n-1e8,1e19,3.1\n'), '--method', '3'],
      /neg\.csv: row 1 \(line 2\), column "Model Size": expected a number > 0, got "-1e8"/,
    ],
    [() => [csv('few.csv', 'N,D,loss\n1e8,1e9,3\n2e8,1e9,2.9\n'), '--method', '3'], /Approach 3 needs at least 6 runs, got 2/],
    [() => [csv('ragged.csv', 'N,D,loss\n1e8,1e9\n'), '--method', '3'], /ragged\.csv: not valid CSV/],
  ])('refuses bad input %#', async (args, message) => {
    await expect(run(args())).rejects.toThrow(message);
  });

  it('drops the highest losses; rows of one run are its curve, and one row per run gives no curves', () => {
    const runs = [3, 5, 4, 2].map((loss, i) => ({ params: 1e8 * (1 + (i % 2)), tokens: 1e9 * (i + 1), loss, runId: `r${i}` }));
    expect(dropTopLoss(runs, 2).map((r) => r.loss)).toEqual([3, 2]);
    expect(() => dropTopLoss(runs, 4)).toThrow(/would drop all 4 runs/);
    // Equal N is not a curve: four runs, four observations, no curves.
    expect(runsAndCurves(runs)).toMatchObject({ observations: runs, curves: [] });
    const curve = [1e9, 2e9, 4e9].map((tokens, j) => ({ params: 1e8, tokens, loss: 3 - j * 0.1, runId: 'long' }));
    const { observations, curves } = runsAndCurves(curve);
    expect(observations).toEqual([curve[2]]);
    expect(curves).toEqual([{ runId: 'long', params: 1e8, points: curve.map((p) => ({ tokens: p.tokens, loss: p.loss })) }]);
    expect(() => runsAndCurves([curve[0]!, { ...curve[1]!, params: 2e8 }])).toThrow(/run long: its rows have 2 different N/);
  });
});
