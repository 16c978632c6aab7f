import { ScalingLawError } from '../errors.js';

/** A parabola loss = c0 + c1·x + c2·x² in x = ln N fitted to one IsoFLOP profile. */
export interface IsoFlopParabola {
  /** the budget, FLOPs */
  readonly flops: number;
  readonly runCount: number;
  readonly distinctSizes: number;
  /** coefficients in x = ln N (natural log), for plotting: loss ≈ c0 + c1·ln N + c2·(ln N)² */
  readonly coefficients: { readonly c0: number; readonly c1: number; readonly c2: number };
  /** smallest and largest N sampled */
  readonly sampledParams: { readonly min: number; readonly max: number };
  /** N at the vertex; null when the parabola opens downwards (c2 ≤ 0: no minimum) */
  readonly minimumParams: number | null;
  /** standard error of N at the vertex by the delta method; null with 3 runs (no residual degrees of freedom) or no minimum */
  readonly minimumParamsStdError: number | null;
  /** fitted loss at the vertex */
  readonly minimumLoss: number | null;
  /** the vertex lies within the sampled sizes */
  readonly bracketed: boolean;
  /** sum of squared loss residuals */
  readonly residualSumOfSquares: number;
}

/** Solves the 3×3 symmetric system M·c = v by Cramer's rule (M is a centred Gram matrix, well scaled). */
function solve3(m: number[][], v: number[]): { solution: [number, number, number]; inverse: number[][] } {
  const [a, b, c] = m as [number[], number[], number[]];
  const det = a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
  if (!(Math.abs(det) > 0)) throw new ScalingLawError('TooFewSizes', 'the parabola fit is singular: fewer than 3 distinct model sizes');
  const inverse = [
    [(b[1]! * c[2]! - b[2]! * c[1]!) / det, (a[2]! * c[1]! - a[1]! * c[2]!) / det, (a[1]! * b[2]! - a[2]! * b[1]!) / det],
    [(b[2]! * c[0]! - b[0]! * c[2]!) / det, (a[0]! * c[2]! - a[2]! * c[0]!) / det, (a[2]! * b[0]! - a[0]! * b[2]!) / det],
    [(b[0]! * c[1]! - b[1]! * c[0]!) / det, (a[1]! * c[0]! - a[0]! * c[1]!) / det, (a[0]! * b[1]! - a[1]! * b[0]!) / det],
  ];
  const solution = inverse.map((row) => row[0]! * v[0]! + row[1]! * v[1]! + row[2]! * v[2]!) as [number, number, number];
  return { solution, inverse };
}

/**
 * Least-squares parabola of loss against ln N for one budget (Hoffmann et al. 2022 §3.2), its vertex,
 * and the vertex's standard error by the delta method: Var(x*) = ∇x*ᵀ·s²(XᵀX)⁻¹·∇x*, x* = −c1/(2c2),
 * s² = RSS/(n − 3). Needs ≥ 3 distinct sizes (checked by the caller, which knows the row numbers).
 */
export function fitIsoFlopParabola(
  flops: number,
  params: readonly number[],
  losses: readonly number[],
  options: {
    /**
     * σ of the loss (nats) below which the residual variance is not believed: s² = max(RSS/(n − 3), noiseFloor²).
     * It also gives 3-run profiles a standard error (sweep planning). @default 0 (none)
     */
    readonly noiseFloor?: number;
  } = {},
): IsoFlopParabola {
  const n = params.length;
  const x = params.map(Math.log);
  const centre = x.reduce((s, v) => s + v, 0) / n;
  // Gram matrix of [1, t, t²] with t = x − centre (centring keeps it well conditioned).
  const sums = [0, 0, 0, 0, 0];
  const v = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const t = x[i]! - centre;
    let power = 1;
    for (let k = 0; k < 5; k++) {
      sums[k]! += power;
      if (k < 3) v[k]! += power * losses[i]!;
      power *= t;
    }
  }
  const gram = [
    [sums[0]!, sums[1]!, sums[2]!],
    [sums[1]!, sums[2]!, sums[3]!],
    [sums[2]!, sums[3]!, sums[4]!],
  ];
  const {
    solution: [d0, d1, d2],
    inverse,
  } = solve3(gram, v);
  let rss = 0;
  for (let i = 0; i < n; i++) {
    const t = x[i]! - centre;
    rss += (losses[i]! - (d0 + d1 * t + d2 * t * t)) ** 2;
  }
  // Back to uncentred coefficients in x = ln N.
  const coefficients = { c0: d0 - d1 * centre + d2 * centre * centre, c1: d1 - 2 * d2 * centre, c2: d2 };
  const minParams = Math.min(...params);
  const maxParams = Math.max(...params);
  const withVertex = (
    vertex: Pick<IsoFlopParabola, 'minimumParams' | 'minimumParamsStdError' | 'minimumLoss' | 'bracketed'>,
  ): IsoFlopParabola => ({
    flops,
    runCount: n,
    distinctSizes: new Set(params).size,
    coefficients,
    sampledParams: { min: minParams, max: maxParams },
    ...vertex,
    residualSumOfSquares: rss,
  });
  if (!(d2 > 0)) return withVertex({ minimumParams: null, minimumParamsStdError: null, minimumLoss: null, bracketed: false });
  const vertexT = -d1 / (2 * d2);
  const minimumParams = Math.exp(centre + vertexT);
  let minimumParamsStdError: number | null = null;
  const floor = options.noiseFloor ?? 0;
  if (n > 3 || floor > 0) {
    const s2 = Math.max(n > 3 ? rss / (n - 3) : 0, floor * floor);
    const g = [0, -1 / (2 * d2), d1 / (2 * d2 * d2)];
    let variance = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) variance += g[i]! * inverse[i]![j]! * g[j]!;
    minimumParamsStdError = minimumParams * Math.sqrt(Math.max(0, s2 * variance));
  }
  return withVertex({
    minimumParams,
    minimumParamsStdError,
    minimumLoss: d0 + d1 * vertexT + d2 * vertexT * vertexT,
    bracketed: minimumParams >= minParams && minimumParams <= maxParams,
  });
}
