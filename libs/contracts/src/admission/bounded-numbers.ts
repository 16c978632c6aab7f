import { z } from 'zod';
import { ADMISSION_LIMITS as L } from './admission-limits.js';

const e = (value: number): string => value.toExponential(0).replace('e+', 'e');

/** A ComputeBudget's FLOPs (also `target.atFlops` and `maxFlops`): finite, > 0, at most maxBudgetFlops. */
export const budgetFlopsSchema = z
  .number()
  .positive()
  .max(
    L.maxBudgetFlops,
    `must be at most ${e(L.maxBudgetFlops)} FLOPs, ~2,000× the largest training run reported: no scaling law extrapolates that far`,
  );

/** One IsoFLOP budget of a sweep: finite, > 0, at most maxSweepBudgetFlops. */
export const sweepBudgetFlopsSchema = z
  .number()
  .positive()
  .max(
    L.maxSweepBudgetFlops,
    `must be at most ${e(L.maxSweepBudgetFlops)} FLOPs: a sweep is many small runs, and larger budgets need more tokens per run than a job can carry`,
  );

/** Accelerator-hours: finite, > 0, at most maxAcceleratorHours. */
export const acceleratorHoursCountSchema = z
  .number()
  .positive()
  .max(L.maxAcceleratorHours, `must be at most ${e(L.maxAcceleratorHours)} accelerator-hours`);

const tokensAtMost = `must be at most ${e(L.maxTokens)} tokens (~3,000× the stock of human-written public text)`;

/** A token count a user gives (unique training tokens): finite, at least 1, at most maxTokens. */
export const tokenCountSchema = z.number().min(1, 'must be at least 1 token').max(L.maxTokens, tokensAtMost);

/** An expected demand in tokens (inference): finite, 0 or more, at most maxTokens. */
export const demandTokensSchema = z.number().min(0).max(L.maxTokens, tokensAtMost);

/** A seed: an integer from 0 to maxSeed (the generators are 32-bit). */
export const seedSchema = z.number().int().min(0).max(L.maxSeed, `must be at most ${L.maxSeed}: seeds feed 32-bit generators`);

/** Whether two budgets would get the same run ids (they differ only past the significant figures run ids keep). */
export const sameBudgetInRunIds = (a: number, b: number): boolean =>
  a.toExponential(L.budgetSignificantFigures - 1) === b.toExponential(L.budgetSignificantFigures - 1);

/** The budgets of `budgetRange`: `count` values log-spaced from min to max (the planner's resolveBudgets uses this). */
export function logSpacedBudgets(range: { min: number; max: number; count: number }): number[] {
  if (range.count === 1) return [range.min];
  const step = Math.log10(range.max / range.min) / (range.count - 1);
  return Array.from({ length: range.count }, (_, i) => range.min * 10 ** (step * i));
}
