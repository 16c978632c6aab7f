import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunState, scalingLawSchema, type ComputeBudget, type RunRecord } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { planIsoFlopSweep } from '../planning/sweep-planner.js';
import type { RunWithCurve } from '../scheduling/run-store.js';
import { reportChartSpecs, summariseProfiles, writeStudyReport } from './study-report.js';

const law = scalingLawSchema.parse({ metadata: { name: 'study' }, spec: { sweep: { budgets: [1e12, 4e12], sizesPerBudget: 5 } } });
const runs: RunWithCurve[] = planIsoFlopSweep({
  owner: { namespace: 'default', name: 'study' },
  sweep: law.spec.sweep!,
  model: law.spec.model,
  centerParams: (c) => Math.sqrt(c / 120),
  now: 'now',
}).runs.map((r: RunRecord) => {
  const x = Math.log10(r.paramsTotal!) - Math.log10(Math.sqrt(r.budgetFlops / 120));
  const loss = 2 + 0.3 * x * x - 0.1 * Math.log10(r.budgetFlops / 1e12);
  return {
    ...r,
    state: RunState.Succeeded,
    outcome: { finalLoss: loss, params: r.params, paramsTotal: r.paramsTotal } as RunRecord['outcome'],
    curve: [
      { step: 1, tokens: 2048, flops: 1, trainLoss: 4 },
      { step: 10, tokens: r.tokens, flops: 1, evalLoss: loss },
    ],
  };
});

describe('study report', () => {
  it('finds each bracketed IsoFLOP minimum', () => {
    const profiles = summariseProfiles(runs);
    expect(profiles).toHaveLength(2);
    for (const p of profiles) {
      expect(p.bracketed).toBe(true);
      expect(Math.log10(p.nOpt!)).toBeCloseTo(Math.log10(Math.sqrt(p.budgetFlops / 120)), 1);
    }
  });

  it('writes JSON, CSV and vega-rendered SVG plots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const { files } = await writeStudyReport(dir, { law, runs, simulated: true });
    expect(files.map((f) => f.split('/').pop())).toEqual([
      'report.json',
      'runs.csv',
      'isoflop-profiles.svg',
      'nopt-vs-flops.svg',
      'loss-curves.svg',
    ]);
    expect(readFileSync(join(dir, 'runs.csv'), 'utf8').split('\n')[0]).toMatch(
      /^runId,kind,budgetFlops,paramsTotal,paramsNonEmbedding,tokens/,
    );
    const svg = readFileSync(join(dir, 'isoflop-profiles.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('SIMULATED');
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).simulated).toBe(true);
  });

  it('fits the IsoFLOP x axis to the sizes run (the dashboard chart definition)', () => {
    const sizes = runs.map((r) => r.paramsTotal!);
    const layers = reportChartSpecs({ law, runs, simulated: false }, '').profiles.layer as {
      encoding: { x: { scale: { domain: [number, number]; nice: boolean } } };
    }[];
    const { domain, nice } = layers[0]!.encoding.x.scale;
    expect(nice).toBe(false);
    expect(domain[0]).toBeLessThan(Math.min(...sizes));
    expect(domain[0]).toBeGreaterThan(Math.min(...sizes) / 1.5);
    expect(domain[1]).toBeGreaterThan(Math.max(...sizes));
    expect(domain[1]).toBeLessThan(Math.max(...sizes) * 1.5);
  });

  it('puts the allocation and its interval in the N_opt legend, in the units the tables use', async () => {
    const budget = {
      metadata: { name: 'b' },
      spec: { flops: 4e13 },
      status: { allocation: { flops: 4e13, params: 1.23e5, paramsInterval: [8.1e4, 2.02e5] } },
    } as unknown as ComputeBudget;
    const spec = reportChartSpecs({ law, budget, runs, simulated: false }, '').frontier;
    expect(JSON.stringify(spec)).toContain('allocation at C = 4.00e13: N_opt = 123K [81.0K, 202K]');
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    await writeStudyReport(dir, { law, budget, runs, simulated: false });
    expect(readFileSync(join(dir, 'nopt-vs-flops.svg'), 'utf8')).toContain('N_opt = 123K [81.0K, 202K]');
  });

  it('marks a partial report incomplete, with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    await writeStudyReport(dir, {
      law,
      runs: runs.slice(0, 3),
      simulated: false,
      incomplete: 'the deadline of 10m00s was reached after 3/10 runs',
    });
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.complete).toBe(false);
    expect(report.incomplete).toMatch(/deadline/);
    expect(readFileSync(join(dir, 'isoflop-profiles.svg'), 'utf8')).toContain('INCOMPLETE');
  });
});
