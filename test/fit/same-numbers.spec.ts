// The control plane's fit (LibraryLawFitter → fit store → ScalingLaw status) and `scaleplan fit` on the runs.csv
// the demo and the dashboard export: the round trip of the exports, and the same numbers from both.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunKind, RunState, scalingLawSchema, type RunRecord } from '@scaleplan/contracts';
import { syntheticIsoFlopSweep, type LossLaw } from '@scaleplan/scaling-laws';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunsCsv } from '../../apps/cli/src/runs-csv.js';
import { runsCsv as dashboardRunsCsv } from '../../apps/control-plane/src/dashboard/study-exports.js';
import { writeStudyReport } from '../../apps/control-plane/src/dashboard/study-report.js';
import { decideScalingLaw } from '../../apps/control-plane/src/scaling-laws/scaling-law.reconciler.js';
import { fitRowsOf, LibraryLawFitter } from '../../apps/control-plane/src/planning/scaling-laws.adapter.js';
import { scaleplanFitJson as cliFit } from '../../apps/cli/src/__tests__/run-in-process.js';

/**
 * A demo-sized study: 3 budgets × 5 sizes of a tiny-model law, 1% noise, plus a failed run and a budget's final run.
 * The law's N is total parameters (what the fits read); the non-embedding count is 16,384 less.
 */
const TINY: LossLaw = { irreducibleLoss: 1.2, paramCoeff: 60, dataCoeff: 400, paramExponent: 0.34, dataExponent: 0.36 };
const shape = { layers: 2, modelDim: 64, heads: 2, headDim: 32, ffDim: 256, vocabSize: 256, sequenceLength: 64 };
const sweep = syntheticIsoFlopSweep(TINY, { budgets: [1e13, 3e13, 1e14], sizesPerBudget: 5, span: 16, noise: 0.01, seed: 4 });
const record = (o: (typeof sweep)[number], i: number, extra: Partial<RunRecord> = {}): RunRecord => ({
  runId: o.runId!,
  owner: { namespace: 'default', name: 'study' },
  ownerKind: 'ScalingLaw',
  kind: RunKind.Sweep,
  budgetFlops: o.budgetFlops!,
  params: o.params - 16384,
  paramsTotal: o.params,
  tokens: Math.round(o.tokens),
  shape,
  seed: i,
  state: RunState.Succeeded,
  attempts: 1,
  outcome: {
    runId: o.runId!,
    status: 'completed',
    params: o.params - 16384,
    paramsTotal: o.params,
    tokens: o.tokens,
    flops: 6 * o.params * o.tokens,
    finalLoss: o.loss,
    shape,
    curve: [],
    backend: 'simulated',
    simulated: true,
  } as unknown as RunRecord['outcome'],
  simulated: true,
  plannedAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});
// Stored in an order unlike the CSV exports' (budget, size): the numbers must not depend on it.
const records: RunRecord[] = [
  ...sweep.map((o, i) => record(o, i)).reverse(),
  record({ ...sweep[0]!, runId: 'failed-1' }, 99, { state: RunState.Failed, outcome: undefined, error: 'worker lost' }),
  record({ ...sweep[1]!, runId: 'final-1' }, 98, { kind: RunKind.Final }),
];

const study = scalingLawSchema.parse({
  metadata: { name: 'study', namespace: 'default', generation: 1 },
  // The precision target's budget is the budget whose N_opt interval the verdict checks (the CLI's --budgets).
  spec: {
    sweep: { budgets: [1e13, 3e13, 1e14], sizesPerBudget: 5, seed: 7, target: { atFlops: 1e21, relativeHalfWidth: 0.5 } },
    fit: { methods: [2, 3], primaryMethod: 3, bootstrap: 30, confidence: 0.8 },
  },
});

const dir = mkdtempSync(join(tmpdir(), 'scaleplan-same-numbers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runs.csv round trip: what the demo and the dashboard export, scaleplan fit reads', () => {
  const expected = fitRowsOf(records).map((r) => r.observation);
  const sortById = <T extends { runId?: string }>(rows: readonly T[]) => [...rows].sort((p, q) => (p.runId! < q.runId! ? -1 : 1));

  it.each([
    ['dashboard', () => dashboardRunsCsv(records)],
    [
      'demo report',
      async () => {
        const reportDir = join(dir, 'report');
        await writeStudyReport(reportDir, { law: study, runs: records.map((r) => ({ ...r, curve: [] })), simulated: true });
        return readFileSync(join(reportDir, 'runs.csv'), 'utf8');
      },
    ],
  ])('%s runs.csv: the succeeded sweep runs, exactly, and the other rows listed as left out', async (name, text) => {
    const path = join(dir, `${name}.csv`);
    writeFileSync(path, await text());
    const file = readRunsCsv(path);
    expect(file.columns.loss).toBe('finalLoss');
    expect(sortById(file.observations)).toEqual(sortById(expected));
    expect(file.skipped).toEqual(
      expect.arrayContaining([expect.stringMatching(/run failed-1\): state failed/), expect.stringMatching(/run final-1\): kind final/)]),
    );
  });
});

describe('same numbers everywhere: scaleplan fit --json and the ScalingLaw status', () => {
  it('the control plane fit (status.fits, the fit store) and the CLI on the exported runs.csv agree exactly', async () => {
    const state = await new LibraryLawFitter().fit(study, records, undefined);
    const path = join(dir, 'export.csv');
    writeFileSync(path, dashboardRunsCsv(records));
    const document = await cliFit(path, '--method', '2,3', '--bootstrap', '30', '--seed', '7', '--budgets', '1e21');
    // The control plane's percentiles for confidence 0.8 are the CLI's default 10/90.
    expect(document.percentiles).toEqual([10, 90]);
    const { status } = decideScalingLaw({ law: study, runs: records, fit: state, prior: () => 1e6, now: '2026-01-01T00:00:00.000Z' });
    for (const method of [2, 3] as const) {
      const cli = document.fits.find((f) => f.method === method)!;
      const summary = status.fits!.find((f) => f.method === method)!;
      const stored = state.methods.find((m) => m.summary.method === method)!;
      expect(summary.a).toBe(cli.a);
      expect(summary.b).toBe(cli.b);
      expect(summary.aInterval).toEqual([cli.intervals!.a!.lower, cli.intervals!.a!.upper]);
      expect(summary.verdict!.reason).toBe(cli.verdict.reason);
      // N_opt at any budget comes from the same FittedMapping: point and bootstrap replicates.
      expect(stored.fitted.mapping).toEqual(cli.fitted!.mapping);
      expect(stored.fitted.samples).toEqual(cli.fitted!.samples);
    }
    expect(status.verdict).toMatchObject({ method: 3, reason: document.fits.find((f) => f.primary)!.verdict.reason });
  });

  it("checks N_opt's interval at the budgets that use the law and at the sweep target", async () => {
    const state = await new LibraryLawFitter().fit(study, records, undefined, [1e20]);
    const primary = state.methods.find((m) => m.summary.method === 3)!.summary;
    expect(primary.diagnostics!.nOpt!.map((n) => n.flops)).toEqual([1e20, 1e21]);
    expect(primary.verdict!.checks.map((c) => c.name)).toContain('nOptIntervalWidth');
    expect(state.verdicts!.map((v) => v.method)).toEqual([2, 3]);
  });

  it('a refit warm-started from a collapsed previous optimum ends where a fresh fit does', async () => {
    const fresh = await new LibraryLawFitter().fit(study, records, undefined);
    const collapsed: LossLaw = { irreducibleLoss: 6e-14, paramCoeff: 30, dataCoeff: 30, paramExponent: 0.08, dataExponent: 0.08 };
    const refit = await new LibraryLawFitter().fit(study, records, { ...fresh, warmStart: collapsed });
    const objective = (s: typeof fresh) => s.methods.find((m) => m.summary.method === 3)!.summary.objective!;
    expect(objective(refit)).toBeLessThanOrEqual(objective(fresh));
    expect(refit.methods.find((m) => m.summary.method === 3)!.summary.a).toBeCloseTo(
      fresh.methods.find((m) => m.summary.method === 3)!.summary.a,
      6,
    );
  });
});
