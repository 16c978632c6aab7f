/**
 * Fixed colours, dashes and widths of every series the charts draw. A series keeps its look on every
 * chart and at every moment: colours are never assigned by position, so a legend never changes
 * meaning as fits arrive. Hues are the Okabe–Ito set (distinguishable with the common colour-vision
 * deficiencies); sequential ramps are cut before their pale end, which vanishes on white.
 */

/** How one series is drawn. `dash` [] is solid. */
export interface SeriesStyle {
  readonly label: string;
  readonly colour: string;
  readonly dash: readonly number[];
  readonly width: number;
  readonly opacity: number;
}

const SOLID: readonly number[] = [];
const DASHED: readonly number[] = [7, 4];
const DOTTED: readonly number[] = [2, 3];

/**
 * Every frontier series by id (`method-<n>`, `preset-<name>`, `truth`). Approach 2 is drawn wide and
 * translucent, so where it coincides with Approach 3 both stay visible.
 */
export const SERIES_STYLES: Readonly<Record<string, SeriesStyle>> = Object.freeze({
  'method-1': { label: 'Approach 1 (envelope)', colour: '#D55E00', dash: SOLID, width: 2, opacity: 1 },
  'method-2': { label: 'Approach 2 (IsoFLOP)', colour: '#009E73', dash: SOLID, width: 5, opacity: 0.55 },
  'method-3': { label: 'Approach 3 (parametric)', colour: '#0072B2', dash: SOLID, width: 2, opacity: 1 },
  'preset-chinchilla-2022': { label: 'chinchilla-2022 (published)', colour: '#CC79A7', dash: DASHED, width: 2, opacity: 1 },
  'preset-chinchilla-2022-approach1': {
    label: 'chinchilla-2022-approach1 (published)',
    colour: '#882255',
    dash: DASHED,
    width: 2,
    opacity: 1,
  },
  'preset-chinchilla-2022-approach2': {
    label: 'chinchilla-2022-approach2 (published)',
    colour: '#999933',
    dash: DASHED,
    width: 2,
    opacity: 1,
  },
  'preset-epoch-2024': { label: 'epoch-2024 (published)', colour: '#E69F00', dash: DASHED, width: 2, opacity: 1 },
  truth: { label: 'true law (simulated)', colour: '#111111', dash: DOTTED, width: 2, opacity: 1 },
});

/** The style of a series id; an unknown id (a future preset) gets a grey dashed line, never a borrowed colour. */
export const seriesStyle = (id: string, label = id): SeriesStyle =>
  SERIES_STYLES[id] ?? { label, colour: '#6C757D', dash: id.startsWith('preset-') ? DASHED : SOLID, width: 2, opacity: 1 };

/** The order series are listed in (fits, then presets, then the truth), whatever order they arrive in. */
export const SERIES_ORDER: readonly string[] = Object.keys(SERIES_STYLES);

/** Viridis from its dark end up to where it is still readable on white. */
const BUDGET_RAMP = ['#440154', '#482878', '#3E4989', '#31688E', '#26828E', '#1F9E89', '#35B779', '#6ECE58'];
/** Magma from near-black to orange (its pale yellow end vanishes on white). */
const LEVEL_RAMP = ['#1D1147', '#51127C', '#822681', '#B73779', '#E75263', '#F4845F'];

const hex = (value: number): string => Math.round(value).toString(16).padStart(2, '0');

/** The colour at `t` ∈ [0, 1] along a ramp, interpolated in RGB. */
function ramp(stops: readonly string[], t: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const position = clamped * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(position));
  const f = position - i;
  const rgb = (s: string) => [1, 3, 5].map((k) => Number.parseInt(s.slice(k, k + 2), 16));
  const [a, b] = [rgb(stops[i]!), rgb(stops[i + 1]!)];
  return `#${a.map((v, k) => hex(v + (b[k]! - v) * f)).join('')}`.toUpperCase();
}

/**
 * The colour of an IsoFLOP budget: its place on a log scale between the smallest and largest budget
 * of the study's plan. It depends on the plan only, so it does not shift as runs or budgets arrive.
 */
export function budgetColour(flops: number, range: readonly [number, number]): string {
  const [low, high] = range;
  if (!(high > low)) return ramp(BUDGET_RAMP, 0.45);
  return ramp(BUDGET_RAMP, Math.log(flops / low) / Math.log(high / low));
}

/** Colours of `count` iso-loss levels, darkest for the highest loss. */
export const levelColours = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => ramp(LEVEL_RAMP, count === 1 ? 0.5 : i / (count - 1)));
