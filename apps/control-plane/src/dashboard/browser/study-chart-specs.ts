import type { ContourView, FrontierView, StudyPlots } from '../study-plots.js';
import { countChannel, flopsChannel, frame, logExtent, lossChannel, linearExtent, type ChartSize, type Spec } from './chart-axes.js';
import { budgetColour, levelColours, SERIES_ORDER, SERIES_STYLES, seriesStyle } from './chart-palette.js';
import * as fmt from './format.js';

/**
 * The study's charts (IsoFLOP profiles, frontier, iso-loss contours) as Vega-Lite specifications,
 * built from the server's plot data. Pure: the dashboard renders them in the browser and the demo
 * report renders the same definitions to SVG.
 */

/** Fill of an IsoFLOP minimum: filled when the sizes run bracket it (measured), hollow when extrapolated. */
const MINIMUM_FILL = { bracketed: 'bracketed (measured)', extrapolated: 'extrapolated' } as const;
const minimumFillScale = {
  domain: [MINIMUM_FILL.bracketed, MINIMUM_FILL.extrapolated],
  range: ['#111111', '#ffffff'],
};
const minimumKind = (bracketed: boolean): string => (bracketed ? MINIMUM_FILL.bracketed : MINIMUM_FILL.extrapolated);

/** Legend label of an IsoFLOP budget. */
export const budgetLabel = (flops: number): string => `${fmt.flops(flops)} FLOPs`;

/** The fixed colour scale of the study's budgets: every planned budget from the start, coloured by its place in the plan. */
export function budgetScale(plots: Pick<StudyPlots, 'budgets' | 'budgetRange'>): { domain: string[]; range: string[] } {
  return {
    domain: plots.budgets.map(budgetLabel),
    range: plots.budgets.map((c) => budgetColour(c, [plots.budgetRange[0], plots.budgetRange[1]])),
  };
}

/** Options of every study chart. */
export interface StudyChartOptions {
  readonly description: string;
  readonly size: ChartSize;
  /** A title drawn inside the chart (report SVGs; the dashboard captions its figures instead). */
  readonly title?: string;
}

/** IsoFLOP profiles: final loss vs N (log x), one colour per budget, parabola, minimum ±1 s.e. (Chinchilla Fig. 3 left); the true law dotted when simulated. */
export function profilesSpec(plots: StudyPlots, options: StudyChartOptions): Spec {
  const colour = { field: 'budget', type: 'nominal', title: 'IsoFLOP budget', scale: budgetScale(plots) };
  const points = plots.profiles.flatMap((p) => p.points.map((q) => ({ ...q, budget: budgetLabel(p.budgetFlops) })));
  const curves = plots.profiles.flatMap((p) => (p.parabola?.curve ?? []).map((q) => ({ ...q, budget: budgetLabel(p.budgetFlops) })));
  const minima = plots.profiles.flatMap((p) =>
    p.parabola?.minimum ? [{ ...p.parabola.minimum, budget: budgetLabel(p.budgetFlops), minimum: minimumKind(p.parabola.bracketed) }] : [],
  );
  const truth = (plots.truth?.profiles ?? []).flatMap((p) => p.curve.map((q) => ({ ...q, budget: budgetLabel(p.budgetFlops) })));
  // Trimmed to the sizes run; a minimum extrapolated far outside them is clipped rather than allowed to squash the runs.
  const sizes = points.map((p) => p.params);
  const [smallest, largest] = [Math.min(...sizes), Math.max(...sizes)];
  const nearMinima = minima.map((m) => m.params).filter((n) => n >= smallest / 10 && n <= largest * 10);
  const xDomain = logExtent([...sizes, ...nearMinima], 0.06);
  const inX = (n: number) => !xDomain || (n >= xDomain[0] && n <= xDomain[1]);
  const yDomain = linearExtent([
    ...points.map((p) => p.loss),
    ...minima.filter((m) => inX(m.params)).map((m) => m.loss),
    ...truth.filter((t) => inX(t.params)).map((t) => t.loss),
  ]);
  const x = countChannel('params', 'Parameters N (log scale)', xDomain);
  const y = lossChannel('loss', 'Final loss (nats/token)', yDomain);
  return {
    ...frame(options.description, options.size, options.title),
    datasets: { points, curves, minima, truth },
    layer: [
      {
        data: { name: 'truth' },
        mark: { type: 'line', strokeWidth: 1.5, strokeDash: [...SERIES_STYLES.truth!.dash], clip: true },
        encoding: { x, y, color: colour, detail: { field: 'budget' }, tooltip: [{ field: 'budget', title: 'true law at' }] },
      },
      {
        data: { name: 'curves' },
        mark: { type: 'line', strokeWidth: 1.5, opacity: 0.85, clip: true },
        encoding: { x, y, color: colour, detail: { field: 'budget' } },
      },
      {
        data: { name: 'points' },
        mark: { type: 'point', filled: true, size: 55, opacity: 0.9, clip: true },
        encoding: {
          x,
          y,
          color: colour,
          tooltip: [
            { field: 'runId', title: 'run' },
            { field: 'budget', title: 'budget' },
            { field: 'params', title: 'N', format: '.3~s' },
            { field: 'tokens', title: 'D', format: '.3~s' },
            { field: 'loss', title: 'loss', format: '.4f' },
            { field: 'simulated', title: 'simulated' },
          ],
        },
      },
      {
        data: { name: 'minima' },
        // Not `filled`: colour then strokes the outline in the budget's colour, and `fill` says measured or extrapolated.
        mark: { type: 'point', shape: 'diamond', size: 150, strokeWidth: 2, opacity: 1, filled: false, clip: true },
        encoding: {
          x,
          y,
          color: colour,
          fill: {
            field: 'minimum',
            type: 'nominal',
            scale: minimumFillScale,
            legend: { title: 'Parabola minimum', symbolType: 'diamond', symbolStrokeColor: '#111', symbolStrokeWidth: 1.5 },
          },
          tooltip: [
            { field: 'budget', title: 'budget' },
            { field: 'params', title: 'N at minimum', format: '.3~s' },
            { field: 'paramsLow', title: '−1 s.e.', format: '.3~s' },
            { field: 'paramsHigh', title: '+1 s.e.', format: '.3~s' },
            { field: 'loss', title: 'minimum loss', format: '.4f' },
            { field: 'minimum', title: 'minimum' },
          ],
        },
      },
      // ±1 s.e. bars last, so they are drawn in front of the diamonds.
      {
        data: { name: 'minima' },
        mark: { type: 'errorbar', ticks: { size: 9, thickness: 2 }, rule: { strokeWidth: 2 }, clip: true },
        encoding: { x: { ...x, field: 'paramsLow' }, x2: { field: 'paramsHigh' }, y, color: colour },
      },
    ],
  };
}

/** Options of {@link frontierSpec}. */
export interface FrontierChartOptions extends StudyChartOptions {
  /** A compute budget's allocation drawn with its interval (the demo report's answer). */
  readonly allocation?: {
    readonly flops: number;
    readonly value: number;
    readonly low?: number;
    readonly high?: number;
    readonly label: string;
  };
}

/** The legend order of the frontier's series: fits, presets, truth (fixed order), then any series the palette does not know. */
function seriesOrder(frontier: FrontierView): string[] {
  const ids = frontier.lines.map((l) => l.id);
  return [...SERIES_ORDER.filter((id) => ids.includes(id)), ...ids.filter((id) => !SERIES_ORDER.includes(id))];
}

/**
 * N_opt (or D_opt) vs C on log-log axes (Chinchilla Fig. 3): each fit with its bootstrap band, the
 * published laws dashed (in the legend too), the true law dotted when simulated, and the IsoFLOP
 * profile minima with their ±1 s.e. bars. Colour, dash and width are fixed per series.
 */
export function frontierSpec(plots: Pick<StudyPlots, 'frontier'>, quantity: 'params' | 'tokens', options: FrontierChartOptions): Spec {
  const { frontier } = plots;
  const low = quantity === 'params' ? 'paramsLow' : 'tokensLow';
  const high = quantity === 'params' ? 'paramsHigh' : 'tokensHigh';
  const ids = seriesOrder(frontier);
  const styleOf = (id: string) => seriesStyle(id, frontier.lines.find((l) => l.id === id)?.label);
  const labels = ids.map((id) => frontier.lines.find((l) => l.id === id)?.label ?? styleOf(id).label);
  const seriesScale = (range: unknown[]) => ({ domain: labels, range });
  // Sorted by the fixed series order (widths and opacities are ordered channels: Vega-Lite wants a sort for them).
  const bySeries = (range: unknown[]) => ({ field: 'series', type: 'nominal', sort: labels, scale: seriesScale(range), legend });
  // One field, one title, four channels: Vega-Lite merges them into a single legend that shows each line as drawn.
  // One column: two would clip the longer labels at phone width (a chart legend does not wrap).
  const legend = { title: null, symbolType: 'stroke', symbolSize: 300, columns: 1 };
  const lines = frontier.lines.flatMap((line) =>
    line.points.map((p) => ({
      series: line.label,
      flops: p.flops,
      value: p[quantity],
      ...(p[low] !== undefined && p[high] !== undefined ? { low: p[low], high: p[high] } : {}),
    })),
  );
  const bands = frontier.lines.flatMap((line) =>
    line.points.flatMap((p) =>
      p[low] !== undefined && p[high] !== undefined
        ? [{ series: line.label, colour: styleOf(line.id).colour, flops: p.flops, low: p[low], high: p[high] }]
        : [],
    ),
  );
  const minima = frontier.minima.map((m) => ({
    flops: m.flops,
    value: m[quantity],
    low: m[low],
    high: m[high],
    minimum: minimumKind(m.bracketed),
  }));
  const allocation = options.allocation
    ? [
        {
          ...options.allocation,
          low: options.allocation.low ?? options.allocation.value,
          high: options.allocation.high ?? options.allocation.value,
        },
      ]
    : [];
  const yDomain = logExtent(
    [
      ...lines.flatMap((l) => [l.value, l.low ?? l.value, l.high ?? l.value]),
      ...minima.flatMap((m) => [m.low, m.high]),
      ...allocation.flatMap((a) => [a.low, a.high]),
    ],
    0.08,
  );
  const x = flopsChannel('flops', 'Compute budget C in FLOPs (log)', [frontier.flopsRange[0], frontier.flopsRange[1]]);
  const y = countChannel('value', quantity === 'params' ? 'Optimal parameters N_opt (log)' : 'Optimal tokens D_opt (log)', yDomain);
  const symbol = quantity === 'params' ? 'N_opt' : 'D_opt';
  const percent = `${Math.round(frontier.confidence * 100)}%`;
  const layers: Spec[] = [
    {
      data: { name: 'bands' },
      mark: { type: 'area', opacity: 0.16, clip: true },
      encoding: {
        x,
        y: { ...y, field: 'low' },
        y2: { field: 'high' },
        fill: { field: 'colour', type: 'nominal', scale: null, legend: null },
        detail: { field: 'series' },
      },
    },
    {
      data: { name: 'lines' },
      mark: { type: 'line', clip: true },
      encoding: {
        x,
        y,
        color: bySeries(ids.map((id) => styleOf(id).colour)),
        strokeDash: bySeries(ids.map((id) => [...styleOf(id).dash])),
        strokeWidth: bySeries(ids.map((id) => styleOf(id).width)),
        strokeOpacity: bySeries(ids.map((id) => styleOf(id).opacity)),
        tooltip: [
          { field: 'series', title: 'law' },
          { field: 'flops', title: 'C', format: '.2e' },
          { field: 'value', title: symbol, format: '.3~s' },
          { field: 'low', title: `${percent} low`, format: '.3~s' },
          { field: 'high', title: `${percent} high`, format: '.3~s' },
        ],
      },
    },
    {
      data: { name: 'minima' },
      mark: { type: 'point', shape: 'diamond', size: 120, stroke: '#111', strokeWidth: 1.5, opacity: 1, clip: true },
      encoding: {
        x,
        y,
        fill: {
          field: 'minimum',
          type: 'nominal',
          scale: minimumFillScale,
          legend: { title: 'IsoFLOP minimum', symbolType: 'diamond', symbolStrokeColor: '#111', symbolStrokeWidth: 1.5, columns: 2 },
        },
        tooltip: [
          { field: 'flops', title: 'budget', format: '.2e' },
          { field: 'value', title: `${quantity === 'params' ? 'N' : 'D'} at minimum`, format: '.3~s' },
          { field: 'low', title: '±1 s.e. low', format: '.3~s' },
          { field: 'high', title: '±1 s.e. high', format: '.3~s' },
          { field: 'minimum', title: 'minimum' },
        ],
      },
    },
    {
      data: { name: 'minima' },
      mark: { type: 'errorbar', ticks: { size: 8, thickness: 1.5, color: '#111' }, rule: { strokeWidth: 1.5, color: '#111' }, clip: true },
      encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' } },
    },
  ];
  if (allocation.length > 0) {
    layers.push(
      {
        data: { name: 'allocation' },
        mark: { type: 'rule', strokeWidth: 2, color: '#B2182B' },
        encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' } },
      },
      {
        data: { name: 'allocation' },
        mark: { type: 'point', shape: 'square', size: 110, filled: true },
        encoding: {
          x,
          y,
          shape: {
            field: 'label',
            type: 'nominal',
            scale: { domain: allocation.map((a) => a.label), range: ['square'] },
            legend: { title: 'Allocation', symbolFillColor: '#B2182B', symbolStrokeColor: '#B2182B', labelLimit: 520, columns: 1 },
          },
          color: { value: '#B2182B' },
        },
      },
    );
  }
  return {
    ...frame(options.description, options.size, options.title),
    datasets: { lines, bands, minima, allocation },
    layer: layers,
    resolve: { legend: { fill: 'independent' } },
  };
}

/**
 * Iso-loss contours of the parametric fit over (C, N) with its efficient frontier (Chinchilla Fig. 4
 * left): each level labelled at its nose, a palette readable on white, and (simulated) the true
 * law's frontier dotted.
 */
export function contoursSpec(contours: ContourView, truth: FrontierView['lines'][number] | undefined, options: StudyChartOptions): Spec {
  const levels = [...new Set(contours.contours.map((p) => p.level))].sort((a, b) => b - a);
  const levelText = (level: number) => level.toFixed(level >= 10 ? 1 : 2);
  const levelScale = { domain: levels.map(levelText), range: levelColours(levels.length) };
  const x = flopsChannel('flops', 'Compute budget C in FLOPs (log)', [contours.domain.flops[0], contours.domain.flops[1]]);
  const y = countChannel('params', 'Parameters N (log)', [contours.domain.params[0], contours.domain.params[1]]);
  const lineLabels = ['efficient frontier of the fit', ...(truth ? [truth.label] : [])];
  const frontierLines = [
    ...contours.frontier.map((p) => ({ ...p, series: lineLabels[0]! })),
    ...(truth?.points ?? []).map((p) => ({ flops: p.flops, params: p.params, series: lineLabels[1]! })),
  ];
  const lineLegend = { title: null, symbolType: 'stroke', symbolSize: 300 };
  return {
    ...frame(options.description, options.size, options.title),
    datasets: {
      contours: contours.contours.map((p) => ({ ...p, loss: levelText(p.level) })),
      labels: contours.labels.map((p) => ({ ...p, loss: levelText(p.level) })),
      frontier: frontierLines,
      runs: contours.runs,
    },
    layer: [
      {
        data: { name: 'contours' },
        mark: { type: 'line', strokeWidth: 1.6, clip: true },
        encoding: {
          x,
          y,
          color: { field: 'loss', type: 'ordinal', scale: levelScale, legend: null },
          detail: { field: 'loss' },
          order: { field: 'params', type: 'quantitative' },
          tooltip: [{ field: 'loss', title: 'iso-loss (nats/token)' }],
        },
      },
      {
        data: { name: 'labels' },
        mark: { type: 'text', align: 'right', baseline: 'middle', dx: -7, fontSize: 11, fontWeight: 600, clip: true },
        encoding: { x, y, text: { field: 'loss' }, color: { field: 'loss', type: 'ordinal', scale: levelScale, legend: null } },
      },
      {
        data: { name: 'frontier' },
        mark: { type: 'line', color: '#111', clip: true },
        encoding: {
          x,
          y,
          strokeDash: {
            field: 'series',
            type: 'nominal',
            sort: lineLabels,
            scale: { domain: lineLabels, range: [[], [...SERIES_STYLES.truth!.dash]] },
            legend: lineLegend,
          },
          strokeWidth: {
            field: 'series',
            type: 'nominal',
            sort: lineLabels,
            scale: { domain: lineLabels, range: [2.5, 2] },
            legend: lineLegend,
          },
          tooltip: [
            { field: 'series', title: 'line' },
            { field: 'flops', title: 'C', format: '.2e' },
            { field: 'params', title: 'N_opt', format: '.3~s' },
          ],
        },
      },
      {
        data: { name: 'runs' },
        mark: { type: 'point', shape: 'circle', size: 28, color: '#111', filled: false, opacity: 0.75, clip: true },
        encoding: {
          x,
          y,
          tooltip: [
            { field: 'runId', title: 'run' },
            { field: 'flops', title: 'C', format: '.2e' },
            { field: 'params', title: 'N', format: '.3~s' },
            { field: 'loss', title: 'loss', format: '.4f' },
          ],
        },
      },
    ],
  };
}
