import { scalingLawSchema } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { sweepProblems } from './sweep-admission.js';

const law = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };
const study = (sweep: Record<string, unknown>) =>
  scalingLawSchema.parse({ metadata: { name: 'study' }, spec: { sweep: { simulate: { law }, ...sweep } } });

describe('sweepProblems: the sweep the planner would lay out must fit the workers', () => {
  it('has nothing to say about an ordinary sweep, simulated or real-sized', () => {
    expect(sweepProblems(study({ budgets: [1e17, 1e18, 1e19] }))).toEqual([]);
    expect(sweepProblems(study({ budgets: [1e24], sizesPerBudget: 25, spanDecades: 4 }))).toEqual([]);
  });

  it('names the budget whose runs would need more tokens than a job holds, and what to change', () => {
    const problems = sweepProblems(study({ budgets: [1e15, 1e24], sizesPerBudget: 25, spanDecades: 4, priorTokensPerParam: 1e6 }));
    expect(problems).toEqual([
      {
        field: 'spec.sweep.budgets.1',
        message: expect.stringMatching(
          /^budget 1\.000e\+24 FLOPs plans a run of \d+ parameters on .* tokens, more than a run can hold .*priorTokensPerParam/,
        ),
      },
    ]);
  });

  it('names the range when it is a budgetRange', () => {
    const problems = sweepProblems(
      study({ budgetRange: { min: 1e20, max: 1e24, count: 3 }, sizesPerBudget: 25, spanDecades: 4, priorTokensPerParam: 1e6 }),
    );
    expect(problems.map((p) => p.field)).toEqual(['spec.sweep.budgetRange.max']);
  });

  it('still refuses budgets below the smallest run, by index and by range', () => {
    expect(sweepProblems(study({ budgets: [1e17, 1000] })).map((p) => p.field)).toEqual(['spec.sweep.budgets.1']);
    expect(sweepProblems(study({ budgetRange: { min: 1000, max: 1e17, count: 3 } })).map((p) => p.field)).toEqual([
      'spec.sweep.budgetRange.min',
    ]);
  });
});
