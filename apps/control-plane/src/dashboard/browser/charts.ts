import type { EmbedOptions, Result, VisualizationSpec } from 'vega-embed';
import type { Spec } from './chart-axes.js';
import { h } from './dom.js';

declare global {
  interface Window {
    /** vega-embed's UMD build, served from node_modules by the control plane (never a CDN). */
    vegaEmbed?: (element: HTMLElement, spec: VisualizationSpec, options?: EmbedOptions) => Promise<Result>;
  }
}

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

  /** Replaces the chart with a line of text (nothing to draw yet), after any render in flight; the next render draws again. */
  showMessage(text: string): Promise<void> {
    this.pending = this.pending.then(() => {
      this.result?.finalize();
      this.result = undefined;
      this.rendered = '';
      delete this.body.dataset.rendered;
      this.body.replaceChildren(h('p', { class: 'empty' }, text));
    });
    return this.pending;
  }

  /**
   * Renders `spec` (a builder's output, with `description` as the chart's accessible name) unless it is unchanged.
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
    this.result = await embed(this.body, spec as VisualizationSpec, {
      renderer: 'svg',
      // The expression interpreter instead of Vega's Function-based code generator: no 'unsafe-eval' in the CSP.
      ast: true,
      actions: { export: { svg: true, png: true }, source: false, compiled: false, editor: false },
      downloadFileName: this.fileName,
      i18n: { SVG_ACTION: 'Save as SVG', PNG_ACTION: 'Save as PNG', CLICK_TO_VIEW_ACTIONS: 'Export this chart' },
    });
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
