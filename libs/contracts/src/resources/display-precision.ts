/**
 * Significant figures of the derived numbers `kubectl get` prints in number columns (tokens per parameter,
 * predicted loss, the fitted exponents a and b): `33.91`, not `33.91056579421477`. More would be noise
 * anyway — a fit's bootstrap interval is far wider than 1e-4 relative. Counts (params, tokens) and
 * intervals, which no column shows, keep full precision.
 */
export const DISPLAY_SIGNIFICANT_FIGURES = 4;

/**
 * Significant figures of the resolved budget in FLOPs (`status.flops`, the FLOPs column): enough to keep
 * any budget a person writes exactly, while dropping the floating-point tail of accelerator-hours ×
 * peak FLOP/s × utilisation (7.120800000000001e+21 → 7.1208e+21).
 */
export const FLOPS_SIGNIFICANT_FIGURES = 10;

/**
 * `value` rounded to `figures` significant figures, as a number (0, NaN and ±Infinity are returned as they are).
 * @default figures DISPLAY_SIGNIFICANT_FIGURES
 */
export function roundSignificant(value: number, figures: number = DISPLAY_SIGNIFICANT_FIGURES): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(figures));
}
