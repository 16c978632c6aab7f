/** One run of an IsoFLOP profile. */
export interface ProfilePoint {
  readonly params: number;
  readonly loss: number;
}

/** Parabola loss = a·x² + b·x + c in x = log10 N, and what follows for the profile's minimum. */
export interface ProfileFit {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** log10 N at the vertex (NaN when the parabola does not open upwards). */
  readonly vertexLog10Params: number;
  /** Standard error of the vertex position in decades (delta method); Infinity when unknown. */
  readonly vertexStdErrDecades: number;
  /** Loss at the vertex. */
  readonly minLoss: number;
  /** True when the parabola opens upwards and its vertex lies inside the sizes that were run. */
  readonly bracketed: boolean;
  readonly points: number;
}

function solve3(m: number[][], v: number[]): number[] | undefined {
  const a = m.map((row, i) => [...row, v[i] as number]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-300) return undefined;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = 0; r < 3; r++) {
      if (r === col) continue;
      const f = a[r]![col]! / a[col]![col]!;
      for (let k = col; k < 4; k++) a[r]![k]! -= f * a[col]![k]!;
    }
  }
  return [0, 1, 2].map((i) => a[i]![3]! / a[i]![i]!);
}

function invert3(m: number[][]): number[][] | undefined {
  const cols = [0, 1, 2].map((j) => solve3(m, [0, 1, 2].map((i) => (i === j ? 1 : 0))));
  if (cols.some((c) => !c)) return undefined;
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => cols[j]![i]!));
}

/**
 * Least-squares parabola through an IsoFLOP profile (Hoffmann et al. 2022, Approach 2) with the
 * standard error of its vertex: Var(x*) = gᵀΣg, g = d(x*) / d(a, b) = (b/2a², −1/2a), Σ = s²(XᵀX)⁻¹.
 * With exactly 3 points s² is unknown; `noiseFloor` (σ of the loss, nats) stands in for it.
 */
export function fitIsoFlopProfile(points: readonly ProfilePoint[], noiseFloor = 0.01): ProfileFit | undefined {
  if (points.length < 3) return undefined;
  const xs = points.map((p) => Math.log10(p.params));
  const ys = points.map((p) => p.loss);
  const xtx = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const xty = [0, 0, 0];
  xs.forEach((x, i) => {
    const row = [x * x, x, 1];
    for (let r = 0; r < 3; r++) {
      xty[r]! += row[r]! * ys[i]!;
      for (let c = 0; c < 3; c++) xtx[r]![c]! += row[r]! * row[c]!;
    }
  });
  const coef = solve3(xtx, xty);
  const inverse = invert3(xtx);
  if (!coef || !inverse) return undefined;
  const [a, b, c] = coef as [number, number, number];
  const rss = xs.reduce((sum, x, i) => sum + (a * x * x + b * x + c - ys[i]!) ** 2, 0);
  const dof = points.length - 3;
  const s2 = Math.max(dof > 0 ? rss / dof : 0, noiseFloor ** 2);
  const opensUp = a > 0;
  const vertex = opensUp ? -b / (2 * a) : Number.NaN;
  let stdErr = Number.POSITIVE_INFINITY;
  if (opensUp) {
    const g = [b / (2 * a * a), -1 / (2 * a)];
    const variance = s2 * (g[0]! * g[0]! * inverse[0]![0]! + 2 * g[0]! * g[1]! * inverse[0]![1]! + g[1]! * g[1]! * inverse[1]![1]!);
    stdErr = Math.sqrt(Math.max(variance, 0));
  }
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  return {
    a,
    b,
    c,
    vertexLog10Params: vertex,
    vertexStdErrDecades: stdErr,
    minLoss: opensUp ? c - (b * b) / (4 * a) : Math.min(...ys),
    bracketed: opensUp && vertex > minX && vertex < maxX,
    points: points.length,
  };
}
