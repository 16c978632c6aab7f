import type { ObjectiveWithGradient } from '../lbfgs.js';
import type { LossObservation } from '../observations.js';

/**
 * The data of an Approach-3 fit in the form the inner loop wants: ln N, ln D, ln L and a weight
 * per distinct row (bootstrap resamples become integer weights instead of copies).
 */
export interface Approach3Data {
  readonly logParams: Float64Array;
  readonly logTokens: Float64Array;
  readonly logLoss: Float64Array;
  readonly weights: Float64Array;
}

/** Precomputes logarithms once; weights default to 1 per row. */
export function toApproach3Data(observations: readonly LossObservation[], weights?: ArrayLike<number>): Approach3Data {
  const rows: number[] = [];
  for (let i = 0; i < observations.length; i++) if (!weights || weights[i]! > 0) rows.push(i);
  const data = {
    logParams: new Float64Array(rows.length),
    logTokens: new Float64Array(rows.length),
    logLoss: new Float64Array(rows.length),
    weights: new Float64Array(rows.length),
  };
  rows.forEach((row, j) => {
    const o = observations[row]!;
    data.logParams[j] = Math.log(o.params);
    data.logTokens[j] = Math.log(o.tokens);
    data.logLoss[j] = Math.log(o.loss);
    data.weights[j] = weights ? weights[row]! : 1;
  });
  return data;
}

/**
 * Σᵢ wᵢ·Huber_δ(LSE(a − α·ln Nᵢ, b − β·ln Dᵢ, e) − ln Lᵢ) and its gradient, over x = (a, b, e, α, β)
 * with A = eᵃ, B = eᵇ, E = eᵉ (Hoffmann et al. 2022 eq. 3; Huber as scipy.special.huber:
 * r²/2 for |r| ≤ δ, else δ(|r| − δ/2)). A SUM, not a mean: the mean's ~1e-6 scale is what stopped
 * the paper's optimiser early (Besiroglu et al. 2024). Two exps and one log per row; no allocation.
 */
export function approach3Objective(data: Approach3Data, huberDelta: number): ObjectiveWithGradient {
  const { logParams, logTokens, logLoss, weights } = data;
  const rows = logParams.length;
  const delta = huberDelta;
  const halfDelta = 0.5 * delta;
  return (x, gradient) => {
    const a = x[0]!;
    const b = x[1]!;
    const e = x[2]!;
    const alpha = x[3]!;
    const beta = x[4]!;
    let f = 0;
    let ga = 0;
    let gb = 0;
    let ge = 0;
    let galpha = 0;
    let gbeta = 0;
    for (let i = 0; i < rows; i++) {
      const lnN = logParams[i]!;
      const lnD = logTokens[i]!;
      const u1 = a - alpha * lnN;
      const u2 = b - beta * lnD;
      // Shift by the largest term so no exp overflows; that term's exp is exactly 1.
      let p1: number;
      let p2: number;
      let p3: number;
      let top: number;
      if (u1 >= u2 && u1 >= e) {
        top = u1;
        p1 = 1;
        p2 = Math.exp(u2 - u1);
        p3 = Math.exp(e - u1);
      } else if (u2 >= e) {
        top = u2;
        p1 = Math.exp(u1 - u2);
        p2 = 1;
        p3 = Math.exp(e - u2);
      } else {
        top = e;
        p1 = Math.exp(u1 - e);
        p2 = Math.exp(u2 - e);
        p3 = 1;
      }
      const sum = p1 + p2 + p3;
      const r = top + Math.log(sum) - logLoss[i]!;
      const w = weights[i]!;
      let dh: number;
      if (r > delta) {
        f += w * delta * (r - halfDelta);
        dh = w * delta;
      } else if (r < -delta) {
        f += w * delta * (-r - halfDelta);
        dh = -w * delta;
      } else {
        f += w * 0.5 * r * r;
        dh = w * r;
      }
      const scale = dh / sum;
      const q1 = scale * p1;
      const q2 = scale * p2;
      ga += q1;
      gb += q2;
      ge += scale * p3;
      galpha -= q1 * lnN;
      gbeta -= q2 * lnD;
    }
    gradient[0] = ga;
    gradient[1] = gb;
    gradient[2] = ge;
    gradient[3] = galpha;
    gradient[4] = gbeta;
    return f;
  };
}
