import type { ComputeBudget, RunRecord } from '@scaleplan/contracts';
import * as fmt from './format.js';

type Allocation = NonNullable<NonNullable<ComputeBudget['status']>['allocation']>;
type FinalRun = NonNullable<NonNullable<ComputeBudget['status']>['finalRun']>;

/** Below this relative difference trained tokens count as D_opt (rounding to whole sequences). */
const SAME_TOKENS = 0.005;
/** A cause (shape size, cost per token) is named when it accounts for at least this relative difference. */
const NAMED_CAUSE = 0.001;
/** C ≈ 6·N·D: the FLOPs per parameter and token the allocation assumes (Kaplan et al. 2020). */
const FLOPS_PER_PARAM_TOKEN = 6;

/**
 * Why the final run trains a different number of tokens than D_opt, when it does. The run trains the
 * nearest model shape the workers can build (its total N is not exactly N_opt) at 6·N a token; runs
 * planned before budgets counted 6·N_total spent the budget at the shape's exact cost per token (6N plus
 * attention); it trains at least one full batch, and the worker trains whole steps.
 */
export function trainedTokensNote(
  allocation: Pick<Allocation, 'params' | 'tokens'>,
  run: Pick<RunRecord, 'params' | 'paramsTotal' | 'tokens' | 'budgetFlops'> & {
    outcome?: { params: number; paramsTotal?: number; tokens: number } | undefined;
  },
): string | undefined {
  const trained = run.outcome?.tokens ?? run.tokens;
  const relative = trained / allocation.tokens - 1;
  if (!Number.isFinite(relative) || Math.abs(relative) < SAME_TOKENS) return undefined;
  // N_opt counts total parameters; a run without a total (older records) has only its non-embedding count.
  const params = run.outcome?.paramsTotal ?? run.paramsTotal ?? run.outcome?.params ?? run.params;
  const reasons: string[] = [];
  if (Math.abs(params / allocation.params - 1) >= NAMED_CAUSE) {
    reasons.push(`the nearest model shape the workers build has N = ${fmt.count(params)}, not N_opt = ${fmt.count(allocation.params)}`);
  }
  const flopsPerToken = run.budgetFlops / run.tokens;
  const perParam = flopsPerToken / params;
  if (perParam > FLOPS_PER_PARAM_TOKEN * (1 + NAMED_CAUSE)) {
    reasons.push(
      `a token costs that shape ${fmt.count(flopsPerToken)} FLOPs (${perParam.toFixed(2)}·N, attention included) where the allocation assumes 6·N, so C buys C / ${fmt.count(flopsPerToken)} tokens`,
    );
  } else if (perParam < FLOPS_PER_PARAM_TOKEN * (1 - NAMED_CAUSE)) {
    reasons.push('the run needs at least one full batch, more than the budget buys at this size');
  }
  if (run.outcome && run.outcome.tokens !== run.tokens) reasons.push('the worker trains whole optimiser steps');
  const direction = relative < 0 ? 'fewer' : 'more';
  return `Trained ${fmt.count(trained)} tokens, ${Math.abs(relative * 100).toFixed(1)}% ${direction} than D_opt ${fmt.count(allocation.tokens)}${reasons.length ? `: ${reasons.join('; ')}` : ''}.`;
}

/** What the final-run card says while there is no final run. */
export function waitingText(budget: ComputeBudget): string {
  const allocation = budget.status?.allocation;
  if (!budget.spec.train) return 'No final run requested (spec.train is false).';
  if (!allocation) return 'The final run starts once the allocation is known.';
  if (allocation.provisional) return 'The final run starts once the law is Ready: the allocation above is provisional and may still move.';
  if (budget.status?.phase === 'Degraded') return 'No final run: the budget is degraded (see its conditions).';
  return 'The allocation is final; the final run is being queued.';
}

/** The latest loss the final run reported: live, else its final loss, else the last point of its stored curve. */
export function latestLoss(finalRun: FinalRun, curve: readonly { loss: number; series: string }[]): number | undefined {
  return finalRun.latestLoss ?? finalRun.finalLoss ?? (curve.filter((p) => p.series === 'eval').at(-1) ?? curve.at(-1))?.loss;
}

/** "inside" / "below" / "above" the predicted interval, for the final-loss line. */
export function againstInterval(loss: number | undefined, interval: readonly [number, number] | undefined): string | undefined {
  if (loss === undefined || !interval) return undefined;
  if (loss < interval[0]) return 'below the predicted interval';
  if (loss > interval[1]) return 'above the predicted interval';
  return 'inside the predicted interval';
}
