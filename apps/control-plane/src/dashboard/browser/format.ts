/**
 * Units of counts (parameters, tokens), shared by the tables and the chart axes so both say "B" for
 * 1e9 (SI's "G" reads as gigabytes to most people).
 */
const COUNT_UNITS: readonly (readonly [scale: number, unit: string])[] = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'K'],
];

/**
 * 2.78e9 → "2.78B"; 6.0e10 → "60.0B" (three significant figures, K/M/B/T). With `trim`, trailing
 * zeros go ("60B"), as on chart axes.
 */
export function count(value: number | undefined, options: { trim?: boolean } = {}): string {
  if (value === undefined || !Number.isFinite(value)) return '—';
  const digits = (v: number): string => (options.trim ? String(Number(v.toPrecision(3))) : v.toPrecision(3));
  for (const [scale, unit] of COUNT_UNITS) if (Math.abs(value) >= scale) return `${digits(value / scale)}${unit}`;
  return digits(value);
}

/**
 * {@link count} with `trim` as a Vega expression of `datum.value`, for axis `labelExpr`: the axes write
 * counts exactly as the tables do. (`.3~r` is d3-format's three significant figures without trailing zeros.)
 */
export const COUNT_LABEL_EXPR = COUNT_UNITS.reduceRight(
  (otherwise, [scale, unit]) => `abs(datum.value) >= ${scale} ? format(datum.value / ${scale}, '.3~r') + '${unit}' : ${otherwise}`,
  "format(datum.value, '.3~r')",
);

/** {@link flops} without the fixed decimals, as a Vega expression for axis labels: 1e13, 2e13. */
export const FLOPS_LABEL_EXPR = "replace(format(datum.value, '.0e'), 'e+', 'e')";

/** FLOPs in scientific notation: 1.0e21. */
export const flops = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? '—' : value.toExponential(2).replace('e+', 'e');

/** A loss in nats/token. */
export const loss = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(4));

/** An exponent or coefficient. */
export const param = (value: number | undefined, digits = 3): string => {
  if (value === undefined || !Number.isFinite(value)) return '—';
  return Math.abs(value) >= 1e4 || (Math.abs(value) > 0 && Math.abs(value) < 1e-3)
    ? value.toExponential(digits - 1)
    : value.toPrecision(digits);
};

/** "[0.482, 0.556]" from an interval, or "" without one. */
export const interval = (bounds: readonly [number, number] | undefined, format: (v: number) => string = (v) => param(v)): string =>
  bounds ? `[${format(bounds[0])}, ${format(bounds[1])}]` : '';

/** A duration between two ISO times, or seconds: "1 m 05 s". */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} m ${String(Math.round(seconds % 60)).padStart(2, '0')} s`
    : `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} m`;
}

/** Seconds between two ISO timestamps, when both exist. */
export const secondsBetween = (start: string | undefined, end: string | undefined): number | undefined =>
  start && end ? (Date.parse(end) - Date.parse(start)) / 1000 : undefined;

/** A percentage of a fraction 0–1. */
export const percent = (fraction: number | undefined): string =>
  fraction === undefined || !Number.isFinite(fraction) ? '—' : `${(fraction * 100).toFixed(0)} %`;
