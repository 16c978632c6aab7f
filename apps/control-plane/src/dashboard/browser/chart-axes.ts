import { COUNT_LABEL_EXPR, FLOPS_LABEL_EXPR } from './format.js';

/**
 * What every chart shares: the Vega-Lite schema, the look, and axes trimmed to the data with their
 * labels written as the tables write numbers. Pure (no DOM): the dashboard and the demo report's
 * SVGs are built from the same definitions.
 */

/** A Vega-Lite specification (kept loose: the builders in this folder are the only producers). */
export type Spec = Record<string, unknown>;

/** Chart size: `container` fills the figure (dashboard); a number is fixed (report SVGs). */
export interface ChartSize {
  readonly width: number | 'container';
  readonly height: number;
}

/** The look of every chart. No `range.category`: every colour comes from an explicit, fixed scale. */
const CHART_CONFIG = {
  font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e9ed' },
  legend: {
    labelFontSize: 11,
    titleFontSize: 12,
    orient: 'bottom',
    direction: 'horizontal',
    columns: 2,
    labelLimit: 260,
    // Several legends stack under the chart instead of side by side, where they would run past a phone's width.
    layout: { bottom: { anchor: 'start', direction: 'vertical', margin: 6 } },
  },
  view: { stroke: null },
};

/** The top-level frame of a chart: schema, config, size and its accessible description. */
export const frame = (description: string, size: ChartSize, title?: string): Spec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  config: CHART_CONFIG,
  description,
  ...(title ? { title } : {}),
  width: size.width,
  height: size.height,
});

const MANTISSAS_BY_SPAN: readonly (readonly [maxDecades: number, mantissas: readonly number[]])[] = [
  [0.5, [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]],
  [1.5, [1, 2, 3, 5, 7]],
  [3.5, [1, 2, 5]],
  [8, [1]],
];

/**
 * Tick values of a log axis over [low, high]: 1-2-5 steps per decade on short spans, whole decades on
 * long ones (every other decade past 8), so labels never crowd and never reach beyond the data.
 */
export function logTicks(low: number, high: number): number[] {
  if (!(low > 0) || !(high >= low)) return [];
  const decades = Math.log10(high / low);
  const mantissas = MANTISSAS_BY_SPAN.find(([max]) => decades <= max)?.[1] ?? [1];
  const step = decades > 8 ? 2 : 1;
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(high)); e += step) {
    for (const m of mantissas) {
      // Rounded to 12 significant figures so 3 × 1e-1 is 0.3, not 0.30000000000000004.
      const value = Number((m * 10 ** e).toPrecision(12));
      if (value >= low * (1 - 1e-9) && value <= high * (1 + 1e-9)) ticks.push(value);
    }
  }
  return ticks;
}

/** [min, max] of the finite positive values widened by `padDecades` on each side, or undefined without any. */
export function logExtent(values: readonly number[], padDecades = 0.05): [number, number] | undefined {
  const usable = values.filter((v) => Number.isFinite(v) && v > 0);
  if (usable.length === 0) return undefined;
  const [low, high] = [Math.min(...usable), Math.max(...usable)];
  const pad = 10 ** (high === low ? Math.max(padDecades, 0.1) : padDecades);
  return [low / pad, high * pad];
}

/** [min, max] of the finite values widened by `padShare` of the span on each side, or undefined without any. */
export function linearExtent(values: readonly number[], padShare = 0.06): [number, number] | undefined {
  const usable = values.filter((v) => Number.isFinite(v));
  if (usable.length === 0) return undefined;
  const [low, high] = [Math.min(...usable), Math.max(...usable)];
  const pad = high === low ? Math.max(Math.abs(high) * 0.01, 1e-3) : (high - low) * padShare;
  return [low - pad, high + pad];
}

/** A log-scaled position channel over exactly `domain` (no rounding out to decades) with the given label expression. */
export function logChannel(field: string, title: string, domain: readonly [number, number] | undefined, labelExpr: string): Spec {
  return {
    field,
    type: 'quantitative',
    scale: { type: 'log', nice: false, ...(domain ? { domain: [...domain] } : {}) },
    axis: { title, labelExpr, ...(domain ? { values: logTicks(domain[0], domain[1]) } : { tickCount: 6 }) },
  };
}

/** Parameters or tokens on a log axis, labelled K/M/B/T like the tables. */
export const countChannel = (field: string, title: string, domain: readonly [number, number] | undefined): Spec =>
  logChannel(field, title, domain, COUNT_LABEL_EXPR);

/** FLOPs on a log axis, labelled 1e13 like the tables' 1.00e13. */
export const flopsChannel = (field: string, title: string, domain: readonly [number, number] | undefined): Spec =>
  logChannel(field, title, domain, FLOPS_LABEL_EXPR);

/** Loss (nats/token) on a linear axis over exactly `domain`. */
export const lossChannel = (field: string, title: string, domain: readonly [number, number] | undefined): Spec => ({
  field,
  type: 'quantitative',
  scale: { zero: false, nice: false, ...(domain ? { domain: [...domain] } : {}) },
  axis: { title, tickCount: 6 },
});
