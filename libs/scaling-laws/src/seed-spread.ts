/**
 * Seed-to-seed spread of final loss: the noise every IsoFLOP profile stands on. One definition for the
 * control plane's `status.seedSpread` and bench:science's verdict.
 */

/** The recipe target of issue 11: below 0.5% of the loss at every sweep size. */
export const SEED_SPREAD_TARGET = 0.005;

/** Mean and sample standard deviation of one point's final losses (sd 0 with one seed). */
export function replicateStats(losses: readonly number[]): { readonly mean: number; readonly std: number } {
  const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
  const variance = losses.length > 1 ? losses.reduce((a, b) => a + (b - mean) ** 2, 0) / (losses.length - 1) : 0;
  return { mean, std: Math.sqrt(variance) };
}

/** What `summariseSeedSpread` reads of a point. */
export interface ReplicatedPoint {
  readonly seeds: number;
  /** Sample sd ÷ mean of the point's final losses. */
  readonly relativeStd: number;
}

/** The points with two or more seeds: their median and worst relative sd, against the target; undefined without any. */
export function summariseSeedSpread<P extends ReplicatedPoint>(
  points: readonly P[],
  target = SEED_SPREAD_TARGET,
):
  | { readonly replicated: readonly P[]; readonly median: number; readonly worst: P; readonly over: number; readonly met: boolean }
  | undefined {
  const replicated = points.filter((p) => p.seeds >= 2);
  if (replicated.length === 0) return undefined;
  const sorted = replicated.map((p) => p.relativeStd).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const worst = replicated.reduce((a, b) => (b.relativeStd > a.relativeStd ? b : a));
  const over = replicated.filter((p) => p.relativeStd >= target).length;
  return { replicated, median, worst, over, met: over === 0 };
}
