/**
 * Where an estimate sits in its own interval. A percentile bootstrap interval with the estimate at one
 * end means nearly every resampled fit landed on one side of it: the estimate is pinned (by a bound, or
 * by a few runs) or biased, and the interval understates the doubt. Such estimates are flagged.
 */

/** An estimate closer than this share of its interval's width to an end is "at the edge". */
const EDGE_SHARE = 0.1;

/** Position of an estimate relative to its interval. */
export type IntervalPosition = 'inside' | 'lower-edge' | 'upper-edge' | 'below' | 'above';

/** Where `value` lies in `[low, high]`; undefined without an interval or a finite value. */
export function intervalPosition(value: number | undefined, interval: readonly [number, number] | undefined): IntervalPosition | undefined {
  if (value === undefined || !Number.isFinite(value) || !interval) return undefined;
  const [low, high] = interval[0] <= interval[1] ? interval : [interval[1], interval[0]];
  if (!Number.isFinite(low) || !Number.isFinite(high)) return undefined;
  if (value < low) return 'below';
  if (value > high) return 'above';
  const margin = EDGE_SHARE * (high - low);
  if (high - low === 0) return 'inside';
  if (value - low < margin) return 'lower-edge';
  if (high - value < margin) return 'upper-edge';
  return 'inside';
}

/** A sentence on an estimate that is not well inside its interval, or undefined when it is. */
export function edgeWarning(position: IntervalPosition | undefined): string | undefined {
  switch (position) {
    case 'lower-edge':
    case 'upper-edge':
      return `The estimate sits at the ${position === 'lower-edge' ? 'lower' : 'upper'} edge of its own interval: almost every bootstrap refit fell on one side of it, so the fit may be pinned by a bound or a few runs, and the interval understates the doubt.`;
    case 'below':
    case 'above':
      return `The estimate lies ${position} its own interval: the bootstrap refits disagree with the fit to all runs, so the fit may be pinned by a bound or a few runs.`;
    default:
      return undefined;
  }
}
