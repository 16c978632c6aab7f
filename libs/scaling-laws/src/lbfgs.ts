import { ScalingLawError } from './errors.js';

/**
 * Objective with analytic gradient: returns f(x) and writes ∇f(x) into `gradient`.
 * Must not keep references to `x` or `gradient` (they are reused buffers).
 */
export type ObjectiveWithGradient = (x: Float64Array, gradient: Float64Array) => number;

/** Options of `minimizeLbfgs`; every field has a default. */
export interface LbfgsOptions {
  /** correction pairs kept (m). @default 10 */
  readonly memory?: number;
  /** maximum iterations (accepted steps). @default 1000 */
  readonly maxIterations?: number;
  /**
   * Converged when max |∂f/∂xᵢ| ≤ gradientTolerance. Absolute on purpose: a test relative to |f|
   * stops far too early when the objective is ~1e-3 (science.md §3). @default 1e-10
   */
  readonly gradientTolerance?: number;
  /**
   * Also converged when a step no longer changes x (max |Δxᵢ| ≤ stepTolerance·(1 + max |xᵢ|)) while
   * max |∂f/∂xᵢ| ≤ 1000·gradientTolerance: the optimum is pinned to rounding. @default 1e-13
   */
  readonly stepTolerance?: number;
  /**
   * Also stop when an iteration lowers f by no more than relativeDecreaseTolerance·|f| (scipy's
   * `ftol` test, but relative to |f| alone). Off by default: it is for cheap screening of many
   * starts, never for a final answer. @default 0
   */
  readonly relativeDecreaseTolerance?: number;
  /** Armijo sufficient-decrease constant c₁. @default 1e-4 */
  readonly armijo?: number;
  /** function evaluations per line search before giving up. @default 40 */
  readonly maxLineSearchSteps?: number;
}

/** Why `minimizeLbfgs` stopped. */
export type LbfgsStop = 'gradient' | 'step' | 'decrease' | 'maxIterations' | 'lineSearch' | 'nonFinite';

/** Result of one L-BFGS run; `x` is a fresh array the caller owns. */
export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  /** max |∂f/∂xᵢ| at x */
  readonly gradientNorm: number;
  readonly iterations: number;
  readonly evaluations: number;
  /** stop was 'gradient', 'step' or 'decrease' */
  readonly converged: boolean;
  readonly stop: LbfgsStop;
}

interface ResolvedLbfgsOptions {
  readonly memory: number;
  readonly maxIterations: number;
  readonly gradientTolerance: number;
  readonly stepTolerance: number;
  readonly relativeDecreaseTolerance: number;
  readonly armijo: number;
  readonly maxLineSearchSteps: number;
}

function resolveLbfgsOptions(options: LbfgsOptions): ResolvedLbfgsOptions {
  const resolved = {
    memory: options.memory ?? 10,
    maxIterations: options.maxIterations ?? 1000,
    gradientTolerance: options.gradientTolerance ?? 1e-10,
    stepTolerance: options.stepTolerance ?? 1e-13,
    relativeDecreaseTolerance: options.relativeDecreaseTolerance ?? 0,
    armijo: options.armijo ?? 1e-4,
    maxLineSearchSteps: options.maxLineSearchSteps ?? 40,
  };
  if (!Number.isInteger(resolved.memory) || resolved.memory < 1)
    throw new ScalingLawError('InvalidOption', `memory must be an integer ≥ 1, got ${resolved.memory}`);
  if (!Number.isInteger(resolved.maxIterations) || resolved.maxIterations < 0) {
    throw new ScalingLawError('InvalidOption', `maxIterations must be an integer ≥ 0, got ${resolved.maxIterations}`);
  }
  for (const key of ['gradientTolerance', 'stepTolerance', 'relativeDecreaseTolerance'] as const) {
    if (!(resolved[key] >= 0)) throw new ScalingLawError('InvalidOption', `${key} must be ≥ 0, got ${resolved[key]}`);
  }
  if (!(resolved.armijo > 0 && resolved.armijo < 0.5))
    throw new ScalingLawError('InvalidOption', `armijo must be in (0, 0.5), got ${resolved.armijo}`);
  return resolved;
}

/** A reusable L-BFGS minimiser for one dimension: all work buffers are allocated once. */
export interface LbfgsSolver {
  minimize(objective: ObjectiveWithGradient, start: ArrayLike<number>): LbfgsResult;
}

/** Wolfe curvature constant c₂ (0.9 is the usual choice for quasi-Newton methods): accept a step once φ'(t) ≥ c₂·φ'(0). */
const CURVATURE = 0.9;

const maxAbs = (v: Float64Array): number => {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]!);
    if (a > m) m = a;
  }
  return m;
};

/**
 * Limited-memory BFGS (Nocedal & Wright 2006, Algorithm 7.4 two-loop recursion) with a weak-Wolfe
 * line search (step 1 tried first, cubic interpolation). Pairs with sᵀy ≤ 1e-16·|s||y| are skipped.
 * Unconstrained; a non-finite trial value counts as a too-long step.
 */
export function createLbfgsSolver(dimension: number, options: LbfgsOptions = {}): LbfgsSolver {
  if (!Number.isInteger(dimension) || dimension < 1)
    throw new ScalingLawError('InvalidOption', `dimension must be an integer ≥ 1, got ${dimension}`);
  const o = resolveLbfgsOptions(options);
  const m = o.memory;
  const n = dimension;
  const x = new Float64Array(n);
  const g = new Float64Array(n);
  const xTrial = new Float64Array(n);
  const gTrial = new Float64Array(n);
  const direction = new Float64Array(n);
  const sHistory = new Float64Array(m * n);
  const yHistory = new Float64Array(m * n);
  const rho = new Float64Array(m);
  const alphaScratch = new Float64Array(m);

  const xLow = new Float64Array(n);
  const gLow = new Float64Array(n);
  let lineSearchEvaluations = 0;

  /** f(x + t·direction) into xTrial/gTrial; returns f. */
  const evaluateAt = (objective: ObjectiveWithGradient, t: number): number => {
    for (let i = 0; i < n; i++) xTrial[i] = x[i]! + t * direction[i]!;
    lineSearchEvaluations++;
    return objective(xTrial, gTrial);
  };
  const directionalSlope = (): number => {
    let d = 0;
    for (let i = 0; i < n; i++) d += gTrial[i]! * direction[i]!;
    return d;
  };
  /** Minimiser of the cubic through (t0, f0, d0), (t1, f1, d1), kept inside the middle 80% of the bracket. */
  const interpolate = (t0: number, f0: number, d0: number, t1: number, f1: number, d1: number): number => {
    const d1c = d0 + d1 - (3 * (f0 - f1)) / (t0 - t1);
    const root = d1c * d1c - d0 * d1;
    let t = NaN;
    if (root >= 0 && Number.isFinite(f1)) {
      const d2 = Math.sign(t1 - t0) * Math.sqrt(root);
      t = t1 - ((t1 - t0) * (d1 + d2 - d1c)) / (d1 - d0 + 2 * d2);
    }
    const lo = Math.min(t0, t1);
    const hi = Math.max(t0, t1);
    const margin = 0.1 * (hi - lo);
    return Number.isFinite(t) ? Math.min(hi - margin, Math.max(lo + margin, t)) : 0.5 * (lo + hi);
  };

  /**
   * Weak-Wolfe line search: sufficient decrease plus φ'(t) ≥ c₂·φ'(0), found by the bracketing and zoom of
   * Nocedal & Wright 2006, Algorithms 3.5–3.6 (whose strong form would also bound φ'(t) from above), with cubic
   * interpolation. The curvature condition guarantees sᵀy > 0, so every pair is a useful update. Leaves the
   * accepted point in xTrial/gTrial and returns its value, or NaN when no acceptable step was found.
   */
  function wolfeLineSearch(objective: ObjectiveWithGradient, value0: number, slope0: number, firstStep: number): number {
    lineSearchEvaluations = 0;
    const sufficient = o.armijo * slope0;
    const curvature = -CURVATURE * slope0;
    let tPrev = 0;
    let fPrev = value0;
    let dPrev = slope0;
    let t = firstStep;
    let tLo = 0;
    let fLo = value0;
    let dLo = slope0;
    let tHi = 0;
    let fHi = NaN;
    let dHi = NaN;
    let bracketed = false;
    for (let k = 0; k < o.maxLineSearchSteps; k++) {
      const f = evaluateAt(objective, t);
      const d = Number.isFinite(f) ? directionalSlope() : NaN;
      if (!bracketed) {
        if (!Number.isFinite(f) || f > value0 + t * sufficient || (k > 0 && f >= fPrev)) {
          bracketed = true;
          tLo = tPrev;
          fLo = fPrev;
          dLo = dPrev;
          tHi = t;
          fHi = f;
          dHi = d;
        } else if (d >= -curvature) {
          return f;
        } else if (d >= 0) {
          bracketed = true;
          tLo = t;
          fLo = f;
          dLo = d;
          tHi = tPrev;
          fHi = fPrev;
          dHi = dPrev;
          xLow.set(xTrial);
          gLow.set(gTrial);
        } else {
          tPrev = t;
          fPrev = f;
          dPrev = d;
          xLow.set(xTrial);
          gLow.set(gTrial);
          t *= 4; // still descending steeply: extrapolate
          continue;
        }
        t = interpolate(tLo, fLo, dLo, tHi, fHi, dHi);
        continue;
      }
      if (!Number.isFinite(f) || f > value0 + t * sufficient || f >= fLo) {
        tHi = t;
        fHi = f;
        dHi = d;
      } else {
        if (d >= -curvature) return f;
        if (d * (tHi - tLo) >= 0) {
          tHi = tLo;
          fHi = fLo;
          dHi = dLo;
        }
        tLo = t;
        fLo = f;
        dLo = d;
        xLow.set(xTrial);
        gLow.set(gTrial);
      }
      if (Math.abs(tHi - tLo) <= 1e-16 * Math.max(1, Math.abs(tLo))) break;
      t = interpolate(tLo, fLo, dLo, tHi, fHi, dHi);
    }
    // No Wolfe point: settle for the best sufficient-decrease point seen, if any.
    if (tLo > 0 && fLo < value0) {
      xTrial.set(xLow);
      gTrial.set(gLow);
      return fLo;
    }
    return NaN;
  }

  function minimize(objective: ObjectiveWithGradient, start: ArrayLike<number>): LbfgsResult {
    if (start.length !== n) throw new ScalingLawError('InvalidOption', `start has ${start.length} values, the solver was made for ${n}`);
    for (let i = 0; i < n; i++) x[i] = start[i]!;
    let value = objective(x, g);
    let evaluations = 1;
    let stored = 0;
    let newest = -1;
    let gamma = 1; // initial inverse-Hessian scale sᵀy/yᵀy
    let iterations = 0;
    let stop: LbfgsStop = 'maxIterations';
    if (!Number.isFinite(value)) stop = 'nonFinite';
    else if (maxAbs(g) <= o.gradientTolerance) stop = 'gradient';
    else {
      while (iterations < o.maxIterations) {
        // Two-loop recursion: direction = −H·g.
        for (let i = 0; i < n; i++) direction[i] = -g[i]!;
        for (let k = 0, idx = newest; k < stored; k++, idx = (idx - 1 + m) % m) {
          const off = idx * n;
          let dot = 0;
          for (let i = 0; i < n; i++) dot += sHistory[off + i]! * direction[i]!;
          const a = rho[idx]! * dot;
          alphaScratch[idx] = a;
          for (let i = 0; i < n; i++) direction[i] = direction[i]! - a * yHistory[off + i]!;
        }
        for (let i = 0; i < n; i++) direction[i] = direction[i]! * gamma;
        for (let k = 0, idx = (newest - stored + 1 + m) % m; k < stored; k++, idx = (idx + 1) % m) {
          const off = idx * n;
          let dot = 0;
          for (let i = 0; i < n; i++) dot += yHistory[off + i]! * direction[i]!;
          const b = alphaScratch[idx]! - rho[idx]! * dot;
          for (let i = 0; i < n; i++) direction[i] = direction[i]! + b * sHistory[off + i]!;
        }
        let slope = 0;
        for (let i = 0; i < n; i++) slope += g[i]! * direction[i]!;
        if (!(slope < 0)) {
          // The model lost positive definiteness numerically: restart from steepest descent.
          stored = 0;
          for (let i = 0; i < n; i++) direction[i] = -g[i]!;
          slope = 0;
          for (let i = 0; i < n; i++) slope -= g[i]! * g[i]!;
        }
        // Without curvature information yet, take a first step of length ~1 in the max norm.
        const firstStep = stored === 0 ? Math.min(1, 1 / maxAbs(direction)) : 1;
        const trialValue = wolfeLineSearch(objective, value, slope, firstStep);
        evaluations += lineSearchEvaluations;
        if (!Number.isFinite(trialValue)) {
          stop = 'lineSearch';
          break;
        }
        iterations++;
        // s = x_new − x, y = g_new − g, stored in the ring buffer.
        const slot = (newest + 1) % m;
        const off = slot * n;
        let sy = 0;
        let yy = 0;
        let ss = 0;
        let stepMax = 0;
        let xMax = 0;
        for (let i = 0; i < n; i++) {
          const s = xTrial[i]! - x[i]!;
          const y = gTrial[i]! - g[i]!;
          sHistory[off + i] = s;
          yHistory[off + i] = y;
          sy += s * y;
          yy += y * y;
          ss += s * s;
          if (Math.abs(s) > stepMax) stepMax = Math.abs(s);
          if (Math.abs(xTrial[i]!) > xMax) xMax = Math.abs(xTrial[i]!);
          x[i] = xTrial[i]!;
          g[i] = gTrial[i]!;
        }
        const decrease = value - trialValue;
        value = trialValue;
        if (sy > 1e-16 * Math.sqrt(ss * yy)) {
          rho[slot] = 1 / sy;
          gamma = sy / yy;
          newest = slot;
          if (stored < m) stored++;
        }
        const gradientNorm = maxAbs(g);
        if (gradientNorm <= o.gradientTolerance) {
          stop = 'gradient';
          break;
        }
        if (decrease <= o.relativeDecreaseTolerance * Math.abs(value)) {
          stop = 'decrease';
          break;
        }
        if (stepMax <= o.stepTolerance * (1 + xMax) && gradientNorm <= 1000 * o.gradientTolerance) {
          stop = 'step';
          break;
        }
      }
      if (stop === 'lineSearch' && maxAbs(g) <= 1000 * o.gradientTolerance) stop = 'step';
    }
    return {
      x: Float64Array.from(x),
      value,
      gradientNorm: maxAbs(g),
      iterations,
      evaluations,
      converged: stop === 'gradient' || stop === 'step' || stop === 'decrease',
      stop,
    };
  }
  return { minimize };
}

/** One-shot L-BFGS from `start` (allocates a solver; use `createLbfgsSolver` in loops). */
export const minimizeLbfgs = (objective: ObjectiveWithGradient, start: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult =>
  createLbfgsSolver(start.length, options).minimize(objective, start);
