import type { EmbedOptions, Result, VisualizationSpec } from 'vega-embed';
import { h } from './dom.js';

declare global {
  interface Window {
    /** vega-embed's UMD build, served from node_modules by the control plane (never a CDN). */
    vegaEmbed?: (element: HTMLElement, spec: VisualizationSpec, options?: EmbedOptions) => Promise<Result>;
  }
}

/** A Vega-Lite specification (kept loose: the builders below are the only producers). */
export type Spec = Record<string, unknown>;

/** Charts use the same palette everywhere so a method or preset keeps its colour across plots. */
const SERIES_COLOURS = ['#0b5cad', '#d1495b', '#2a9d8f', '#8e3fb0', '#e09f3e', '#6c757d', '#3d405b'];

const BASE_CONFIG = {
  font: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e9ed' },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom', direction: 'horizontal', columns: 2, labelLimit: 260 },
  view: { stroke: null },
  range: { category: SERIES_COLOURS },
};

/**
 * A chart on the page: a captioned figure whose body vega-embed renders into. `render` only
 * re-embeds when the specification changed, so live refreshes leave unchanged charts alone.
 */
export class Chart {
  readonly figure: HTMLElement;
  private readonly body: HTMLElement;
  private result: Result | undefined;
  private rendered = '';
  private pending: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    caption: string,
    private readonly fileName: string,
    note?: string,
  ) {
    this.body = h('div', { class: 'chart-body', id: `${id}-body` });
    this.figure = h(
      'figure',
      { class: 'chart', id, 'aria-labelledby': `${id}-caption`, 'data-chart': id },
      h('figcaption', { id: `${id}-caption` }, caption),
      this.body,
      note ? h('p', { class: 'chart-note' }, note) : null,
    );
  }

  /**
   * Renders `spec` (with `description` as the chart's accessible name) unless it is unchanged.
   * Renders of one chart run one after the other, so a live refresh never embeds over an embed
   * still in progress.
   */
  render(spec: Spec): Promise<void> {
    this.pending = this.pending
      .then(() => this.embed(spec))
      .catch((error: unknown) => {
        this.rendered = '';
        this.body.replaceChildren(
          h('p', { class: 'error-box', role: 'alert' }, `This chart could not be drawn: ${(error as Error).message}`),
        );
      });
    return this.pending;
  }

  private async embed(spec: Spec): Promise<void> {
    const key = JSON.stringify(spec);
    if (key === this.rendered) return;
    const embed = window.vegaEmbed;
    if (!embed) throw new Error('the charting library did not load');
    this.result?.finalize();
    this.result = undefined;
    this.result = await embed(
      this.body,
      { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: BASE_CONFIG, ...spec } as VisualizationSpec,
      {
        renderer: 'svg',
        // The expression interpreter instead of Vega's Function-based code generator: no 'unsafe-eval' in the CSP.
        ast: true,
        actions: { export: { svg: true, png: true }, source: false, compiled: false, editor: false },
        downloadFileName: this.fileName,
        i18n: { SVG_ACTION: 'Save as SVG', PNG_ACTION: 'Save as PNG', CLICK_TO_VIEW_ACTIONS: 'Export this chart' },
      },
    );
    this.rendered = key;
    this.body.dataset.rendered = 'true';
  }

  /** The rendered chart as SVG markup (for tests and exports). */
  async toSvg(): Promise<string | undefined> {
    return this.result?.view.toSVG();
  }

  /** Releases the Vega view. */
  destroy(): void {
    this.result?.finalize();
    this.result = undefined;
  }
}

const logX = (field: string, title: string, format: string) => ({
  field,
  type: 'quantitative',
  scale: { type: 'log' },
  axis: { title, format, tickCount: 6 },
});
const logY = (field: string, title: string, format: string) => ({
  field,
  type: 'quantitative',
  scale: { type: 'log' },
  axis: { title, format, tickCount: 6 },
});

/** Input of {@link profilesSpec}. */
export interface ProfilesData {
  points: { budget: string; budgetFlops: number; runId: string; params: number; tokens: number; loss: number; simulated: boolean }[];
  curves: { budget: string; budgetFlops: number; params: number; loss: number }[];
  minima: { budget: string; budgetFlops: number; params: number; loss: number; paramsLow: number; paramsHigh: number; bracketed: string }[];
  budgets: string[];
}

/** IsoFLOP profiles: final loss vs N (log x), one colour per budget, with parabola and minimum (Chinchilla Fig. 3 left). */
export function profilesSpec(data: ProfilesData, description: string): Spec {
  const colour = { field: 'budget', type: 'ordinal', sort: data.budgets, title: 'IsoFLOP budget', scale: { scheme: 'viridis' } };
  const x = logX('params', 'Parameters N (log scale)', '~s');
  const y = { field: 'loss', type: 'quantitative', scale: { zero: false }, axis: { title: 'Final loss (nats/token)' } };
  return {
    description,
    width: 'container',
    height: 320,
    datasets: { points: data.points, curves: data.curves, minima: data.minima },
    layer: [
      {
        data: { name: 'curves' },
        mark: { type: 'line', strokeWidth: 1.5, opacity: 0.8 },
        encoding: { x, y, color: colour, detail: { field: 'budget' } },
      },
      {
        data: { name: 'minima' },
        mark: { type: 'rule', strokeWidth: 2, opacity: 0.6 },
        encoding: { x: { ...x, field: 'paramsLow' }, x2: { field: 'paramsHigh' }, y, color: colour },
      },
      {
        data: { name: 'points' },
        mark: { type: 'point', filled: true, size: 55 },
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
        mark: { type: 'point', shape: 'diamond', size: 160, stroke: '#111', strokeWidth: 1.5 },
        encoding: {
          x,
          y,
          color: colour,
          fillOpacity: {
            field: 'bracketed',
            type: 'nominal',
            scale: { domain: ['bracketed', 'extrapolated'], range: [1, 0] },
            title: 'Minimum',
          },
          tooltip: [
            { field: 'budget', title: 'budget' },
            { field: 'params', title: 'N at minimum', format: '.3~s' },
            { field: 'loss', title: 'minimum loss', format: '.4f' },
            { field: 'bracketed', title: 'minimum' },
          ],
        },
      },
    ],
  };
}

/** Input of {@link frontierSpec}: lines (fits and presets) with optional band, and the profile minima. */
export interface FrontierData {
  lines: { series: string; kind: 'fit' | 'preset'; flops: number; value: number; low?: number; high?: number }[];
  minima: { flops: number; value: number; bracketed: string }[];
  series: string[];
}

/** N_opt (or D_opt) vs C on log-log axes, with bootstrap bands and the published presets dashed (Chinchilla Fig. 3). */
export function frontierSpec(data: FrontierData, quantity: 'params' | 'tokens', description: string, confidence: number): Spec {
  const yTitle = quantity === 'params' ? 'Optimal parameters N_opt (log)' : 'Optimal tokens D_opt (log)';
  const x = logX('flops', 'Compute budget C in FLOPs (log)', '.0e');
  const y = logY('value', yTitle, '~s');
  // Lines and bands share explicit colours so each band matches its line while only lines make the legend.
  const scale = { domain: data.series, range: data.series.map((_, i) => SERIES_COLOURS[i % SERIES_COLOURS.length]) };
  const colour = { field: 'series', type: 'nominal', title: null, scale };
  const band = data.lines.filter((row) => row.low !== undefined && row.high !== undefined);
  return {
    description,
    width: 'container',
    height: 300,
    datasets: { lines: data.lines, band, minima: data.minima },
    layer: [
      {
        data: { name: 'band' },
        mark: { type: 'area', opacity: 0.18 },
        encoding: {
          x,
          y: { ...y, field: 'low' },
          y2: { field: 'high' },
          fill: { field: 'series', type: 'nominal', scale, legend: null },
          detail: { field: 'series' },
        },
      },
      {
        data: { name: 'lines' },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x,
          y,
          color: colour,
          strokeDash: {
            field: 'kind',
            type: 'nominal',
            scale: {
              domain: ['fit', 'preset'],
              range: [
                [1, 0],
                [6, 4],
              ],
            },
            legend: null,
          },
          tooltip: [
            { field: 'series', title: 'law' },
            { field: 'flops', title: 'C', format: '.2e' },
            { field: 'value', title: quantity === 'params' ? 'N_opt' : 'D_opt', format: '.3~s' },
            { field: 'low', title: `${Math.round(confidence * 100)}% low`, format: '.3~s' },
            { field: 'high', title: `${Math.round(confidence * 100)}% high`, format: '.3~s' },
          ],
        },
      },
      {
        data: { name: 'minima' },
        mark: { type: 'point', shape: 'diamond', size: 110, stroke: '#111', strokeWidth: 1.5, color: '#111' },
        encoding: {
          x,
          y,
          fillOpacity: {
            field: 'bracketed',
            type: 'nominal',
            scale: { domain: ['bracketed', 'extrapolated'], range: [1, 0] },
            title: 'Profile minimum',
          },
          tooltip: [
            { field: 'flops', title: 'budget', format: '.2e' },
            { field: 'value', title: quantity === 'params' ? 'N at minimum' : 'D at minimum', format: '.3~s' },
            { field: 'bracketed', title: 'minimum' },
          ],
        },
      },
    ],
    resolve: { scale: { fillOpacity: 'independent', fill: 'independent' } },
  };
}

/** Input of {@link contoursSpec}. */
export interface ContoursData {
  readonly contours: readonly { level: number; flops: number; params: number }[];
  readonly frontier: readonly { flops: number; params: number; loss: number }[];
  readonly runs: readonly { runId: string; flops: number; params: number; loss: number }[];
}

/** Iso-loss contours of the parametric fit over (C, N) with its efficient frontier (Chinchilla Fig. 4 left). */
export function contoursSpec(data: ContoursData, description: string): Spec {
  const x = logX('flops', 'Compute budget C in FLOPs (log)', '.0e');
  const y = logY('params', 'Parameters N (log)', '~s');
  return {
    description,
    width: 'container',
    height: 340,
    datasets: { contours: data.contours, frontier: data.frontier.map((p) => ({ ...p, series: 'Efficient frontier' })), runs: data.runs },
    layer: [
      {
        data: { name: 'contours' },
        mark: { type: 'line', strokeWidth: 1.4, clip: true },
        encoding: {
          x,
          y,
          detail: { field: 'level', type: 'quantitative' },
          order: { field: 'params', type: 'quantitative' },
          color: {
            field: 'level',
            type: 'quantitative',
            title: 'Iso-loss (nats/token)',
            scale: { scheme: 'plasma', reverse: true },
            legend: { format: '.3f', direction: 'horizontal' },
          },
          tooltip: [{ field: 'level', title: 'loss', format: '.4f' }],
        },
      },
      {
        data: { name: 'frontier' },
        mark: { type: 'line', color: '#111', strokeWidth: 2.5 },
        encoding: {
          x,
          y,
          tooltip: [
            { field: 'flops', title: 'C', format: '.2e' },
            { field: 'params', title: 'N_opt', format: '.3~s' },
            { field: 'loss', title: 'loss', format: '.4f' },
          ],
        },
      },
      {
        data: { name: 'runs' },
        mark: { type: 'point', shape: 'circle', size: 28, color: '#111', filled: false, opacity: 0.7 },
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

/** Input of {@link lossCurveSpec}. */
export interface CurveData {
  points: { tokens: number; loss: number; series: string }[];
  prediction?: { loss: number; low?: number; high?: number };
}

/** A run's loss vs tokens seen; with a prediction, the predicted final loss and its interval as a band. */
export function lossCurveSpec(data: CurveData, description: string, height = 220): Spec {
  const x = {
    field: 'tokens',
    type: 'quantitative',
    scale: { type: 'log' },
    axis: { title: 'Tokens seen (log)', format: '~s', tickCount: 6 },
  };
  const y = { field: 'loss', type: 'quantitative', scale: { zero: false }, axis: { title: 'Loss (nats/token)' } };
  const layers: Spec[] = [
    {
      data: { name: 'points' },
      mark: { type: 'line', point: data.points.length < 40 },
      encoding: {
        x,
        y,
        color: { field: 'series', type: 'nominal', title: null },
        tooltip: [
          { field: 'series', title: 'series' },
          { field: 'tokens', title: 'tokens', format: '.3~s' },
          { field: 'loss', title: 'loss', format: '.4f' },
        ],
      },
    },
  ];
  const prediction = data.prediction;
  const datasets: Record<string, unknown> = { points: data.points };
  if (prediction) {
    datasets.prediction = [{ ...prediction, label: 'Predicted final loss' }];
    if (prediction.low !== undefined && prediction.high !== undefined) {
      layers.unshift({
        data: { name: 'prediction' },
        mark: { type: 'rect', color: '#e09f3e', opacity: 0.18 },
        encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } },
      });
    }
    layers.push({
      data: { name: 'prediction' },
      mark: { type: 'rule', color: '#b36b00', strokeDash: [6, 4], strokeWidth: 2 },
      encoding: {
        y: { field: 'loss', type: 'quantitative' },
        tooltip: [
          { field: 'label', title: 'prediction' },
          { field: 'loss', title: 'loss', format: '.4f' },
        ],
      },
    });
  }
  return { description, width: 'container', height, datasets, layer: layers };
}
