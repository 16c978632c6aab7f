import { countChannel, frame, logExtent, linearExtent, lossChannel, logChannel, type ChartSize, type Spec } from './chart-axes.js';

/**
 * Loss-curve charts: a run's curve (study page), and the final run against its predicted loss
 * (budget page) as a whole-run view plus a zoom on the end of training, where the prediction and
 * its interval are judged. Pure: no DOM.
 */

/** A point of a loss curve; `series` is train, eval or "reported live". */
export interface CurvePoint {
  readonly tokens: number;
  readonly loss: number;
  readonly series: string;
}

/** The predicted final loss and its interval (nats/token). */
export interface Prediction {
  readonly loss: number;
  readonly low?: number;
  readonly high?: number;
}

/** Fixed colours of the curve series, so train and eval never swap colours between charts. */
const CURVE_SERIES = [
  { name: 'train', colour: '#56B4E9', dash: [] as number[] },
  { name: 'eval', colour: '#0072B2', dash: [] as number[] },
  { name: 'reported live', colour: '#009E73', dash: [] as number[] },
  { name: 'predicted final loss', colour: '#B36B00', dash: [6, 4] },
];
const PREDICTION_SERIES = 'predicted final loss';
const BAND_COLOUR = '#E69F00';

/** Three significant figures, trimmed, for loss axis labels (a log axis would otherwise print 2e+0). */
const LOSS_LABEL_EXPR = "format(datum.value, '.3~r')";

/** The colour/dash legend of the series present (and the prediction when there is one). */
function seriesEncoding(points: readonly CurvePoint[], withPrediction: boolean): Spec {
  const present = new Set(points.map((p) => p.series));
  const series = CURVE_SERIES.filter((s) => present.has(s.name) || (withPrediction && s.name === PREDICTION_SERIES));
  const domain = series.map((s) => s.name);
  const legend = { title: null, symbolType: 'stroke', symbolSize: 300 };
  return {
    color: { field: 'series', type: 'nominal', scale: { domain, range: series.map((s) => s.colour) }, legend },
    strokeDash: { field: 'series', type: 'nominal', scale: { domain, range: series.map((s) => s.dash) }, legend },
  };
}

const curveTooltip = [
  { field: 'series', title: 'series' },
  { field: 'tokens', title: 'tokens', format: '.3~s' },
  { field: 'loss', title: 'loss', format: '.4f' },
];

/** The prediction's interval as a band across the chart (drawn first, behind the curve); none without an interval. */
function bandLayers(prediction: Prediction | undefined, yField: Spec): Spec[] {
  if (prediction?.low === undefined || prediction.high === undefined) return [];
  return [
    {
      data: { name: 'prediction' },
      mark: { type: 'rect', color: BAND_COLOUR, opacity: 0.25, clip: true },
      encoding: { y: { ...yField, field: 'low' }, y2: { field: 'high' } },
    },
  ];
}

/** The predicted final loss as a dashed rule (drawn over the curve). */
function predictionRuleLayers(prediction: Prediction | undefined, series: Spec, yField: Spec): Spec[] {
  if (!prediction) return [];
  return [
    {
      data: { name: 'prediction' },
      mark: { type: 'rule', strokeWidth: 2, clip: true },
      encoding: {
        y: { ...yField, field: 'loss' },
        ...series,
        tooltip: [
          { field: 'series', title: 'prediction' },
          { field: 'loss', title: 'loss', format: '.4f' },
          { field: 'low', title: 'interval low', format: '.4f' },
          { field: 'high', title: 'interval high', format: '.4f' },
        ],
      },
    },
  ];
}

const predictionData = (prediction: Prediction | undefined) => (prediction ? [{ ...prediction, series: PREDICTION_SERIES }] : []);

/** Options of the curve charts. */
export interface CurveChartOptions {
  readonly description: string;
  readonly size: ChartSize;
  readonly title?: string;
}

/**
 * A whole run on log-log axes: early losses are many times the final one, and a log loss axis keeps
 * the end of the curve and the prediction's band readable next to them.
 */
export function lossCurveSpec(points: readonly CurvePoint[], prediction: Prediction | undefined, options: CurveChartOptions): Spec {
  const bounds = prediction ? [prediction.loss, prediction.low ?? prediction.loss, prediction.high ?? prediction.loss] : [];
  const x = countChannel(
    'tokens',
    'Tokens seen (log)',
    logExtent(
      points.map((p) => p.tokens),
      0.03,
    ),
  );
  const y = logChannel('loss', 'Loss (nats/token, log)', logExtent([...points.map((p) => p.loss), ...bounds], 0.02), LOSS_LABEL_EXPR);
  const series = seriesEncoding(points, prediction !== undefined);
  return {
    ...frame(options.description, options.size, options.title),
    datasets: { points, prediction: predictionData(prediction) },
    layer: [
      ...bandLayers(prediction, y),
      {
        data: { name: 'points' },
        mark: { type: 'line', point: points.length < 40, clip: true },
        encoding: { x, y, ...series, tooltip: curveTooltip },
      },
      ...predictionRuleLayers(prediction, series, y),
    ],
  };
}

/** The end of training: the last decade of tokens before the run's target (or its last point). */
const ZOOM_DECADES = 1;

/**
 * The end of training against the prediction: tokens from a decade before the end, the loss axis fitted
 * to the losses there and the prediction's interval, so a band of a few hundredths of a nat is wide
 * enough to judge the final loss against. `targetTokens` fixes the window before the run gets there.
 */
export function finalRunZoomSpec(
  points: readonly CurvePoint[],
  prediction: Prediction | undefined,
  targetTokens: number | undefined,
  options: CurveChartOptions,
): Spec {
  const end = Math.max(targetTokens ?? 0, ...points.map((p) => p.tokens));
  const start = end / 10 ** ZOOM_DECADES;
  const tail = points.filter((p) => p.tokens >= start);
  const bounds = prediction ? [prediction.loss, prediction.low ?? prediction.loss, prediction.high ?? prediction.loss] : [];
  const yDomain = linearExtent([...tail.map((p) => p.loss), ...bounds], 0.12);
  const x = countChannel('tokens', 'Tokens seen (log), last decade of training', end > 0 ? [start, end * 1.02] : undefined);
  const y = lossChannel('loss', 'Loss (nats/token)', yDomain);
  const series = seriesEncoding(tail, prediction !== undefined);
  const last = tail.filter((p) => p.series === 'eval').at(-1) ?? tail.at(-1);
  return {
    ...frame(options.description, options.size, options.title),
    datasets: { points: tail, prediction: predictionData(prediction), last: last ? [last] : [] },
    layer: [
      ...bandLayers(prediction, y),
      {
        data: { name: 'points' },
        mark: { type: 'line', point: true, clip: true },
        encoding: { x, y, ...series, tooltip: curveTooltip },
      },
      ...predictionRuleLayers(prediction, series, y),
      {
        data: { name: 'last' },
        mark: { type: 'text', align: 'right', dx: -8, dy: -10, fontSize: 11, fontWeight: 600, color: '#111', clip: true },
        encoding: { x, y, text: { field: 'loss', format: '.4f' } },
      },
    ],
  };
}
