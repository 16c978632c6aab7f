import { RunState, scalingLawSchema, type RunRecord } from '@scaleplan/contracts';
import { computeOptimalAllocation, predictLoss, presetFittedMapping, type LossLaw } from '@scaleplan/scaling-laws';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLawFitter } from '../planning/scaling-laws.adapter.js';
import { planIsoFlopSweep } from '../planning/sweep-planner.js';
import { countChannel, logTicks, type Spec } from './browser/chart-axes.js';
import { SERIES_STYLES } from './browser/chart-palette.js';
import { finalRunZoomSpec, lossCurveSpec } from './browser/curve-chart-specs.js';
import * as fmt from './browser/format.js';
import { budgetScale, contoursSpec, frontierSpec, profilesSpec } from './browser/study-chart-specs.js';
import { renderChartSvg } from './chart-svg.js';
import { buildStudyPlots, type StudyPlots } from './study-plots.js';

const TRUE_LAW: LossLaw = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };
const study = scalingLawSchema.parse({
  metadata: { name: 'sim', namespace: 'default' },
  spec: {
    sweep: { budgets: [1e13, 1e14, 1e15], sizesPerBudget: 5, simulate: { law: TRUE_LAW, noise: 0.003 } },
    fit: { methods: [2, 3], primaryMethod: 3, bootstrap: 20 },
  },
});

/** The sweep the planner makes for `study`, every run finished with the true law's loss times a fixed small wobble. */
function simulatedRuns(): RunRecord[] {
  const plan = planIsoFlopSweep({
    owner: { namespace: 'default', name: 'sim' },
    sweep: study.spec.sweep!,
    model: study.spec.model,
    centerParams: (c) => computeOptimalAllocation(TRUE_LAW, c).params,
    now: 'now',
  });
  return plan.runs.map((r, i) => {
    const finalLoss = predictLoss(TRUE_LAW, r.params, r.tokens) * (1 + 0.003 * Math.sin(7 * i));
    return {
      ...r,
      state: RunState.Succeeded,
      simulated: true,
      outcome: {
        runId: r.runId,
        status: 'completed',
        params: r.params,
        paramsTotal: r.params,
        tokens: r.tokens,
        flops: r.budgetFlops,
        finalLoss,
        shape: r.shape,
        curve: [],
        backend: 'simulated',
        simulated: true,
        wallSeconds: 0,
        tokensPerSecond: 0,
        repetitionFactor: 0,
      },
    };
  });
}

const SIZE = { width: 640, height: 320 };
const CURVE = [
  { tokens: 2e4, loss: 28, series: 'eval' },
  { tokens: 1e6, loss: 9, series: 'eval' },
  { tokens: 1e8, loss: 4.6, series: 'eval' },
  { tokens: 5e8, loss: 4.45, series: 'eval' },
  { tokens: 6e8, loss: 4.43, series: 'eval' },
];
const PREDICTION = { loss: 4.42, low: 4.38, high: 4.47 };
const presets = ['chinchilla-2022', 'epoch-2024'].map((name) => ({ name, fitted: presetFittedMapping(name as 'epoch-2024') }));

async function render(spec: Spec): Promise<{ svg: string; warnings: string[] }> {
  const warnings: string[] = [];
  const svg = await renderChartSvg(spec, { onWarning: (w) => warnings.push(w) });
  return { svg, warnings };
}

describe('chart definitions', () => {
  let plots: StudyPlots;
  beforeAll(async () => {
    const runs = simulatedRuns();
    const fit = await createLawFitter().fit(study, runs, undefined);
    plots = buildStudyPlots({ study, runs, fit, presets });
  }, 60_000);

  const charts = (p: StudyPlots): [string, Spec][] => [
    ['profiles', profilesSpec(p, { description: 'profiles', size: SIZE })],
    ['frontier N', frontierSpec(p, 'params', { description: 'N_opt', size: SIZE })],
    ['frontier D', frontierSpec(p, 'tokens', { description: 'D_opt', size: SIZE })],
    [
      'frontier with an allocation',
      frontierSpec(p, 'params', {
        description: 'N_opt',
        size: SIZE,
        allocation: { flops: 1e17, value: 2e7, low: 1.5e7, high: 2.6e7, label: 'allocation' },
      }),
    ],
    [
      'contours',
      contoursSpec(
        p.contours!,
        p.frontier.lines.find((l) => l.id === 'truth'),
        { description: 'contours', size: SIZE },
      ),
    ],
    ['loss curve', lossCurveSpec(CURVE, PREDICTION, { description: 'curve', size: SIZE })],
    ['loss curve without prediction', lossCurveSpec(CURVE, undefined, { description: 'curve', size: SIZE })],
    ['end of training', finalRunZoomSpec(CURVE, PREDICTION, 6e8, { description: 'zoom', size: SIZE })],
    ['end of training before any point', finalRunZoomSpec([], PREDICTION, 6e8, { description: 'zoom', size: SIZE })],
  ];

  it('draws every chart without a single Vega or Vega-Lite warning', async () => {
    const real: StudyPlots = {
      ...plots,
      truth: undefined,
      frontier: { ...plots.frontier, lines: plots.frontier.lines.filter((l) => l.kind !== 'truth') },
    };
    const planned = buildStudyPlots({ study, runs: [], presets });
    const cases: [string, Spec][] = [
      ...charts(plots),
      ...charts(real).map(([name, spec]): [string, Spec] => [`${name}, not simulated`, spec]),
      ['frontier before any run', frontierSpec(planned, 'params', { description: 'f', size: SIZE })],
      ['contours without the truth', contoursSpec(plots.contours!, undefined, { description: 'c', size: SIZE })],
    ];
    for (const [name, spec] of cases) {
      const { svg, warnings } = await render(spec);
      expect(warnings, name).toEqual([]);
      expect(svg, name).toMatch(/^<svg/);
    }
  });

  it('keeps each series its colour and dash whatever else is drawn, and draws the dashed presets dashed in the legend too', async () => {
    const colourOf = (spec: Spec, label: string): unknown => {
      const layer = (spec.layer as { encoding?: { color?: { scale?: { domain: string[]; range: string[] } } } }[]).find((l) =>
        l.encoding?.color?.scale?.domain.includes(label),
      );
      const scale = layer!.encoding!.color!.scale!;
      return scale.range[scale.domain.indexOf(label)];
    };
    const beforeFits: StudyPlots = {
      ...plots,
      frontier: { ...plots.frontier, lines: plots.frontier.lines.filter((l) => l.kind !== 'fit') },
    };
    for (const p of [plots, beforeFits]) {
      const spec = frontierSpec(p, 'params', { description: 'f', size: SIZE });
      expect(colourOf(spec, 'chinchilla-2022 (published)')).toBe(SERIES_STYLES['preset-chinchilla-2022']!.colour);
      expect(colourOf(spec, 'epoch-2024 (published)')).toBe(SERIES_STYLES['preset-epoch-2024']!.colour);
    }
    const spec = frontierSpec(plots, 'params', { description: 'f', size: SIZE });
    expect(colourOf(spec, 'Approach 3 (parametric)')).toBe(SERIES_STYLES['method-3']!.colour);
    const { svg } = await render(spec);
    const legendSymbols = [...svg.matchAll(/<g class="mark-symbol role-legend-symbol"[^>]*>(.*?)<\/g>/g)].map((m) => m[1]).join('');
    // chinchilla-2022 dashed in its own colour, Approach 3 solid, in one legend.
    expect(legendSymbols).toMatch(new RegExp(`stroke="${SERIES_STYLES['preset-chinchilla-2022']!.colour}"[^>]*stroke-dasharray="7,4"`));
    expect(legendSymbols).toMatch(new RegExp(`stroke="${SERIES_STYLES['method-3']!.colour}"`));
    expect(svg.match(/class="mark-group role-legend"/g)).toHaveLength(2); // the series, and the IsoFLOP minimum
  });

  it('gives each budget the colour of its place in the plan, before and after its runs finish', () => {
    const planned = buildStudyPlots({ study, runs: [] });
    expect(budgetScale(planned)).toEqual(budgetScale(plots));
    expect(new Set(budgetScale(plots).range).size).toBe(3);
  });

  it('fills measured minima and leaves extrapolated ones hollow, with the ±1 s.e. bar in front', async () => {
    const [first, ...rest] = plots.profiles;
    const withExtrapolated: StudyPlots = {
      ...plots,
      profiles: [{ ...first!, parabola: { ...first!.parabola!, bracketed: false } }, ...rest],
    };
    const spec = profilesSpec(withExtrapolated, { description: 'p', size: SIZE });
    const { svg } = await render(spec);
    const diamonds = [...svg.matchAll(/<g class="mark-symbol role-mark layer_3_marks"[^>]*>(.*?)<\/g>/g)][0]![1]!;
    expect(diamonds.match(/fill="#ffffff"/g)).toHaveLength(1);
    expect(diamonds.match(/fill="#111111"/g)).toHaveLength(2);
    // The error bars are the last layers, so drawn over the diamonds.
    const layers = spec.layer as { mark: { type: string } }[];
    expect(layers.at(-1)!.mark.type).toBe('errorbar');
  });

  it('trims the axes to the data and writes counts in K/M/B/T, as the tables do', async () => {
    const sizes = plots.profiles.flatMap((p) => p.points.map((q) => q.params));
    const [xLow, xHigh] = (
      profilesSpec(plots, { description: 'p', size: SIZE }).layer as { encoding: { x: { scale: { domain: number[] } } } }[]
    )[0]!.encoding.x.scale.domain as [number, number];
    expect(xLow).toBeGreaterThan(Math.min(...sizes) / 1.3);
    expect(xHigh).toBeLessThan(Math.max(...sizes) * 1.3);
    for (const [name, spec] of charts(plots)) {
      const labels = axisLabels((await render(spec)).svg);
      expect(
        labels.filter((l) => /\dG$/.test(l)),
        name,
      ).toEqual([]);
    }
    expect(axisLabels((await render(frontierSpec(plots, 'params', { description: 'f', size: SIZE }))).svg)).toContain('1M');
  });

  it('labels axes with exactly the formatter the tables use', async () => {
    const values = [950, 1000, 2.5e6, 3e7, 1e9, 6e10, 1.5e12];
    const svg = (
      await render({
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        width: 600,
        height: 40,
        data: { values: values.map((v) => ({ v })) },
        mark: 'tick',
        encoding: { x: countChannel('v', 'count', [900, 2e12]) },
      })
    ).svg;
    const tickLabels = axisLabels(svg);
    for (const v of values.filter((v) => logTicks(900, 2e12).includes(v))) expect(tickLabels).toContain(fmt.count(v, { trim: true }));
    expect(fmt.count(6e10)).toBe('60.0B');
    expect(fmt.count(6e10, { trim: true })).toBe('60B');
  });

  it('labels every iso-loss level on its contour', async () => {
    const { svg } = await render(contoursSpec(plots.contours!, undefined, { description: 'c', size: SIZE }));
    for (const label of plots.contours!.labels) expect(svg).toContain(`>${label.level.toFixed(label.level >= 10 ? 1 : 2)}</text>`);
  });

  it('zooms the end of training so the predicted interval fills a readable share of the chart', () => {
    const spec = finalRunZoomSpec(CURVE, PREDICTION, 6e8, { description: 'z', size: SIZE });
    const line = (spec.layer as { mark: { type: string }; encoding: { y: { scale: { domain: [number, number] } } } }[]).find(
      (l) => l.mark.type === 'line',
    )!;
    const [low, high] = line.encoding.y.scale.domain;
    expect((PREDICTION.high - PREDICTION.low) / (high - low)).toBeGreaterThan(0.3);
    const whole = lossCurveSpec(CURVE, PREDICTION, { description: 'l', size: SIZE });
    expect(JSON.stringify(whole)).toContain('"type":"log"');
  });
});

/** The text of every axis tick label in a rendered SVG. */
function axisLabels(svg: string): string[] {
  return [...svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/g)].flatMap((m) =>
    [...m[1]!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]!),
  );
}
