import { ScalingLawError } from './errors.js';

/** One finished training run: its final loss at N parameters trained on D tokens. */
export interface LossObservation {
  /** N, parameters */
  readonly params: number;
  /** D, training tokens */
  readonly tokens: number;
  /** final loss, nats/token */
  readonly loss: number;
  /**
   * The IsoFLOP budget this run belongs to, FLOPs (Approach 2 groups by it). When absent, runs are
   * grouped by clustering 6·N·D in log space (see `groupByBudget`).
   */
  readonly budgetFlops?: number;
  /** optional identifier, echoed in messages */
  readonly runId?: string;
}

/** Where a row came from, for messages: its index and run id when it has one. */
export const describeRow = (index: number, runId?: string): string => (runId ? `row ${index} (run ${runId})` : `row ${index}`);

/** Throws unless `value` is finite and > 0, naming the row and field. */
export function checkRowValue(value: unknown, field: string, index: number, runId?: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ScalingLawError('NonFiniteInput', `${describeRow(index, runId)}: ${field} must be a finite number > 0, got ${String(value)}`);
  }
  if (value <= 0) throw new ScalingLawError('NonPositiveInput', `${describeRow(index, runId)}: ${field} must be > 0, got ${value}`);
}

/** Validates every observation (finite, positive N, D, loss and budgetFlops when given) and the minimum count. */
export function checkObservations(observations: readonly LossObservation[], minimum: number, what: string): void {
  if (!Array.isArray(observations)) throw new ScalingLawError('InvalidOption', `${what} needs an array of observations`);
  observations.forEach((o, i) => {
    checkRowValue(o.params, 'params (N)', i, o.runId);
    checkRowValue(o.tokens, 'tokens (D)', i, o.runId);
    checkRowValue(o.loss, 'loss', i, o.runId);
    if (o.budgetFlops !== undefined) checkRowValue(o.budgetFlops, 'budgetFlops (C)', i, o.runId);
  });
  if (observations.length < minimum) {
    throw new ScalingLawError('TooFewObservations', `${what} needs at least ${minimum} runs, got ${observations.length}`);
  }
}
