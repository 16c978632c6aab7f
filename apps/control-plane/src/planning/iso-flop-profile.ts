import { fitIsoFlopParabola } from '@scaleplan/scaling-laws';

/** One run of an IsoFLOP profile. */
export interface ProfilePoint {
  readonly params: number;
  readonly loss: number;
}

/**
 * The sweep planner's view of an IsoFLOP parabola: loss = a·x² + b·x + c in x = log10 N (the planner
 * places runs in decades). The numbers come from the library's `fitIsoFlopParabola` (fitted in ln N),
 * converted here, so the control plane has one parabola fit.
 */
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

/**
 * Least-squares parabola through an IsoFLOP profile (Hoffmann et al. 2022, Approach 2) with the standard
 * error of its vertex. With exactly 3 points s² is unknown; `noiseFloor` (σ of the loss, nats) stands in for it.
 */
export function fitIsoFlopProfile(points: readonly ProfilePoint[], noiseFloor = 0.01): ProfileFit | undefined {
  if (new Set(points.map((p) => p.params)).size < 3) return undefined;
  const parabola = fitIsoFlopParabola(
    0,
    points.map((p) => p.params),
    points.map((p) => p.loss),
    { noiseFloor },
  );
  const { c0, c1, c2 } = parabola.coefficients;
  const vertex = parabola.minimumParams;
  return {
    // x = ln N / ln 10: loss = c0 + c1·ln10·x + c2·ln10²·x²
    a: c2 * Math.LN10 ** 2,
    b: c1 * Math.LN10,
    c: c0,
    vertexLog10Params: vertex === null ? Number.NaN : Math.log10(vertex),
    vertexStdErrDecades:
      vertex === null || parabola.minimumParamsStdError === null
        ? Number.POSITIVE_INFINITY
        : parabola.minimumParamsStdError / vertex / Math.LN10,
    minLoss: parabola.minimumLoss ?? Math.min(...points.map((p) => p.loss)),
    bracketed: parabola.bracketed,
    points: points.length,
  };
}
