/** Grid points of the coarse scan: 1/40 of a decade apart over the usual 8-decade span. */
const SCAN_POINTS = 321;
/** Golden-section steps: the bracket shrinks by 0.618 per step, so 120 steps take it far below 1e-13 in ln x. */
const GOLDEN_SECTION_STEPS = 120;
const INVERSE_GOLDEN_RATIO = (Math.sqrt(5) - 1) / 2;

/**
 * The x in [low, high] (both > 0) that minimises `f`, searched on ln x: a coarse scan finds the best grid
 * cell (so a function that is not unimodal over the whole span still lands in its lowest valley), then
 * golden-section search refines inside the cell's neighbours. Non-finite values count as +∞.
 */
export function minimiseOnLogAxis(f: (x: number) => number, low: number, high: number): number {
  const at = (logX: number): number => {
    const value = f(Math.exp(logX));
    return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
  };
  const lowLog = Math.log(low);
  const highLog = Math.log(high);
  if (!(highLog > lowLog)) return low;
  const step = (highLog - lowLog) / (SCAN_POINTS - 1);
  let bestIndex = 0;
  let bestValue = Number.POSITIVE_INFINITY;
  for (let i = 0; i < SCAN_POINTS; i++) {
    const value = at(lowLog + i * step);
    if (value < bestValue) {
      bestValue = value;
      bestIndex = i;
    }
  }
  let a = lowLog + Math.max(0, bestIndex - 1) * step;
  let b = lowLog + Math.min(SCAN_POINTS - 1, bestIndex + 1) * step;
  let inner1 = b - INVERSE_GOLDEN_RATIO * (b - a);
  let inner2 = a + INVERSE_GOLDEN_RATIO * (b - a);
  let value1 = at(inner1);
  let value2 = at(inner2);
  for (let k = 0; k < GOLDEN_SECTION_STEPS && b - a > 1e-14; k++) {
    if (value1 <= value2) {
      b = inner2;
      inner2 = inner1;
      value2 = value1;
      inner1 = b - INVERSE_GOLDEN_RATIO * (b - a);
      value1 = at(inner1);
    } else {
      a = inner1;
      inner1 = inner2;
      value1 = value2;
      inner2 = a + INVERSE_GOLDEN_RATIO * (b - a);
      value2 = at(inner2);
    }
  }
  return Math.exp(0.5 * (a + b));
}
