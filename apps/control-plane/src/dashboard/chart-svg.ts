import type { Spec } from './browser/chart-axes.js';

/** Options of {@link renderChartSvg}. */
export interface RenderChartOptions {
  /** Receives every warning Vega-Lite or Vega logs while compiling and rendering (a correct chart logs none). */
  readonly onWarning?: (message: string) => void;
}

/**
 * Renders a chart specification (the dashboard's own definitions) to SVG in Node: the demo report's
 * plots, and the tests that check a chart draws without warnings. `width: 'container'` needs a page;
 * give a number here.
 */
export async function renderChartSvg(spec: Spec, options: RenderChartOptions = {}): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const warnings = (...args: readonly unknown[]) => options.onWarning?.(args.map(String).join(' '));
  const logger = {
    level: () => logger,
    error: (...args: readonly unknown[]) => {
      throw new Error(args.map(String).join(' '));
    },
    warn: (...args: readonly unknown[]) => (warnings(...args), logger),
    info: () => logger,
    debug: () => logger,
  };
  const compiled = vl.compile(spec as never, { logger: logger as never }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: logger as never, logLevel: vega.Warn });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
