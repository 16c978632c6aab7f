import { computeBudgetSchema, scalingLawSchema } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { progressBar, renderDetails, renderStatusTable } from './status.command.js';
import { parseResourceFile } from './submit.command.js';

describe('scaleplan status', () => {
  it('draws progress bars', () => {
    expect(progressBar(0.5, 10)).toBe('█████░░░░░');
    expect(progressBar(Number.NaN, 4)).toBe('░░░░');
  });

  it('renders studies and budgets in aligned tables', () => {
    const law = scalingLawSchema.parse({
      metadata: { name: 'study' },
      spec: { sweep: { budgets: [1e12] } },
      status: {
        phase: 'Running',
        runs: { planned: 2, queued: 1, running: 1, succeeded: 4, failed: 0, diverged: 0 },
        primaryFit: { method: 3, converged: true, fittedAt: 'x', runs: 4, a: 0.5, b: 0.5, aInterval: [0.4, 0.6], warnings: [] },
      },
    });
    const budget = computeBudgetSchema.parse({
      metadata: { name: 'b' },
      spec: { flops: 1e21, scalingLaw: 'study' },
      status: {
        phase: 'Resolved',
        flops: 1e21,
        allocation: {
          flops: 1e21,
          params: 2e9,
          tokens: 8e10,
          tokensPerParam: 40,
          paramsDisplay: '2.00B',
          tokensDisplay: '80.0B',
          law: 'default/study',
          method: 3,
        },
      },
    });
    const table = renderStatusTable([law], [budget]);
    expect(table).toMatch(/default\/study\s+Running\s+4\/8 \(1 running\)\s+██████████░░░░░░░░░░\s+0\.500 \[0\.400, 0\.600\]/);
    expect(table).toMatch(/default\/b\s+Resolved\s+1\.00e\+21\s+2\.00B/);
  });
});

describe('scaleplan submit', () => {
  it('parses multi-document YAML and names the document of an error', () => {
    const docs = parseResourceFile(
      'kind: ScalingLaw\nmetadata: { name: a }\nspec: { preset: epoch-2024 }\n---\nkind: ComputeBudget\nmetadata: { name: b }\nspec: { flops: 1e21, scalingLaw: a }\n',
      'f.yaml',
    );
    expect(docs.map((d) => d.kind)).toEqual(['ScalingLaw', 'ComputeBudget']);
    expect(() => parseResourceFile('kind: Pod\nmetadata: { name: a }\n', 'f.yaml')).toThrow(
      /f.yaml: document 1: kind must be ScalingLaw or ComputeBudget/,
    );
    expect(() => parseResourceFile('kind: ScalingLaw\nmetadata: { name: [\n', 'f.yaml')).toThrow(/f.yaml: document 1/);
  });
});

/** A study with only the given status, as the control plane returns it. */
const studyWith = (status: Record<string, unknown>): never =>
  ({
    apiVersion: 'scaleplan.dev/v1alpha1',
    kind: 'ScalingLaw',
    metadata: { name: 'study', namespace: 'default' },
    spec: {},
    status,
  }) as never;

describe('renderDetails of a study with spec.sweep.target', () => {
  it('shows the FLOPs spent and planned and the planner decision', () => {
    const text = renderDetails(
      studyWith({
        phase: 'Running',
        sweep: { flopsSpent: 2.5e12, flopsPlanned: 8e11, maxFlops: 4e12, decision: 'run: refine the minimum of budget 4.00e+11' },
      }),
    );
    expect(text).toContain('sweep: 2.50e+12 FLOPs spent, 8.00e+11 planned (maxFlops 4.00e+12)');
    expect(text).toContain('planner: run: refine the minimum of budget 4.00e+11');
  });

  it('shows the measured seed spread against its target', () => {
    const text = renderDetails(
      studyWith({
        seedSpread: {
          sizes: 15,
          replicatedSizes: 4,
          medianRelativeStd: 0.004,
          maxRelativeStd: 0.012,
          worst: { budgetFlops: 4e10, params: 5224, seeds: 2, relativeStd: 0.012 },
          target: 0.005,
          met: false,
        },
      }),
    );
    expect(text).toContain(
      'seed spread: median 0.40%, worst 1.20% (N=5.22e+3 at C=4.00e+10) over 4 of 15 sizes with two or more seeds; target < 0.5% NOT met',
    );
  });
});
