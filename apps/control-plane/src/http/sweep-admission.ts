import { ADMISSION_LIMITS, type ScalingLaw } from '@scaleplan/contracts';
import type { FieldProblem } from '../control-plane.errors.js';
import { createPresetCatalog } from '../planning/scaling-laws.adapter.js';
import { budgetTooSmallReason, planIsoFlopSweep, resolveBudgets } from '../planning/sweep-planner.js';

const presets = createPresetCatalog();

type Sweep = NonNullable<ScalingLaw['spec']['sweep']>;

/** The field that holds a budget: its index in `budgets` (as written, not sorted), or the range. */
const budgetField = (sweep: Sweep, budgetFlops: number, rangeEnd: 'min' | 'max'): string =>
  sweep.budgets ? `spec.sweep.budgets.${sweep.budgets.indexOf(budgetFlops)}` : `spec.sweep.budgetRange.${rangeEnd}`;

/**
 * What the schema cannot see: whether the workers can run the sweep the planner will lay out. Every budget
 * must afford the smallest model for one batch, and every planned run (centred as the reconciler centres a
 * study's first plan) must fit a job: at most maxRunTokens tokens and maxRunParams parameters. A study
 * that passes here no longer starts runs that every worker rejects.
 */
export function sweepProblems(law: ScalingLaw): FieldProblem[] {
  const sweep = law.spec.sweep;
  if (!sweep) return [];
  const problems: FieldProblem[] = [];
  const budgets = resolveBudgets(sweep);
  for (const budget of sweep.budgets ? budgets : budgets.slice(0, 1)) {
    const reason = budgetTooSmallReason(budget, law.spec.model);
    if (reason) problems.push({ field: budgetField(sweep, budget, 'min'), message: reason });
  }
  if (problems.length > 0) return problems;
  const plan = planIsoFlopSweep({
    owner: { namespace: law.metadata.namespace, name: law.metadata.name },
    sweep,
    model: law.spec.model,
    centerParams: (flops) => (sweep.priorTokensPerParam ? Math.sqrt(flops / (6 * sweep.priorTokensPerParam)) : presets.priorParams(flops)),
    now: new Date(0).toISOString(),
  });
  const reported = new Set<number>();
  for (const run of plan.runs) {
    if (run.tokens <= ADMISSION_LIMITS.maxRunTokens && run.params <= ADMISSION_LIMITS.maxRunParams) continue;
    // IsoFLOP runs carry their sweep budget; the shorter runs of training-curves mode have fewer tokens than their
    // IsoFLOP sibling, which is reported already.
    const budget = run.budgetFlops;
    if (!budgets.includes(budget) || reported.has(budget)) continue;
    reported.add(budget);
    problems.push({
      field: budgetField(sweep, budget, 'max'),
      message:
        `budget ${budget.toExponential(3)} FLOPs plans a run of ${run.params} parameters on ${run.tokens.toExponential(3)} tokens, ` +
        `more than a run can hold (${ADMISSION_LIMITS.maxRunTokens} tokens, ${ADMISSION_LIMITS.maxRunParams.toExponential(0)} parameters): ` +
        'use smaller budgets, fewer spanDecades or a smaller priorTokensPerParam',
    });
  }
  return problems;
}
