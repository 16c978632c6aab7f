import type { RunRecord } from '@scaleplan/contracts';
import { countParameters } from '@scaleplan/language-model/shapes';

/**
 * Total parameters of a run's planned shape: the size a sweep point is planned (and named) by. A record
 * stored before records carried `paramsTotal` still has its shape, so its total is exact too.
 */
export const plannedParamsTotal = (run: Pick<RunRecord, 'paramsTotal' | 'shape'>): number =>
  run.paramsTotal ?? countParameters(run.shape).total;

/**
 * N of a run as fits and plots count it: the total parameters (embeddings and output head included) of the
 * model the worker trained, else of the planned shape (docs/worker.md, "Parameter and FLOP accounting").
 * They differ only where the worker's vocabulary is not the planner's (a `char` corpus).
 */
export const runParamsTotal = (run: Pick<RunRecord, 'paramsTotal' | 'shape' | 'outcome'>): number =>
  run.outcome?.paramsTotal ?? plannedParamsTotal(run);

/** A stored record with `paramsTotal` filled in (records written before it existed carry only the non-embedding `params`). */
export const withParamsTotal = (run: RunRecord): RunRecord =>
  run.paramsTotal !== undefined ? run : { ...run, paramsTotal: plannedParamsTotal(run) };
