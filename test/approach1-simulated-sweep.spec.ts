import { RunState, type RunRecord, type ScalingLaw } from '@scaleplan/contracts';
import { simulateRun } from '@scaleplan/language-model';
import { allocate, frontierExponents } from '@scaleplan/scaling-laws';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DEMO_STUDY } from '../apps/demo/src/index.js';
import { LibraryLawFitter } from '../apps/control-plane/src/planning/scaling-laws.adapter.js';
import { planIsoFlopSweep } from '../apps/control-plane/src/planning/sweep-planner.js';

/** Simulated runs (the worker's code) through the control plane's planner, curve builder and fitter. */
describe('LibraryLawFitter, Approach 1 on a simulated IsoFLOP sweep (issue 2)', () => {
  it('builds curves from the simulated runs and reports the biased fit as not converged, not a ≈ 0.08', async () => {
    const { law, budgets, sizesPerBudget, spanDecades } = SIMULATED_DEMO_STUDY;
    const simulate = { law, noise: 0.005 };
    const plan = planIsoFlopSweep({
      owner: { namespace: 'default', name: 'sim' },
      sweep: { budgets, sizesPerBudget, spanDecades, seed: 0, simulate } as NonNullable<ScalingLaw['spec']['sweep']>,
      model: { tokenizer: 'byte', sequenceLength: 128 },
      centerParams: (flops) => allocate({ kind: 'loss-law', law }, flops).params,
      now: new Date(0).toISOString(),
    });
    const runs = plan.runs.map((run) => {
      const result = simulateRun({ runId: run.runId, params: run.params, tokens: run.tokens, seed: 0 }, simulate);
      return {
        ...run,
        state: RunState.Succeeded,
        outcome: { finalLoss: result.finalLoss, params: result.params, tokens: result.tokens },
        curve: result.curve,
      } as unknown as RunRecord;
    });
    const study = { spec: { sweep: { seed: 0 }, fit: { methods: [1], bootstrap: 0, confidence: 0.8 } } } as unknown as ScalingLaw;
    const state = await new LibraryLawFitter().fit(study, runs, undefined);
    const approach1 = state.methods[0]!.summary;
    expect(approach1.runs).toBe(runs.length);
    // The old smoothing averaged each 8-point curve across five decades of tokens: a ≈ 0.08.
    expect(Math.abs(approach1.a - frontierExponents(law).a)).toBeLessThan(0.05);
    // One schedule per run and budgets a decade apart: the envelope is mid-run losses, which the fit says.
    expect(approach1.converged).toBe(false);
    expect(approach1.warnings.join(' ')).toMatch(/IsoFLOP-only sweep.*not reported as converged/);
  });
});
