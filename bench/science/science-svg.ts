/**
 * The IsoFLOP figure of `bench:science` (vega-lite rendered to SVG, as the demo report does): final loss vs N
 * per sweep budget with each budget's fitted parabola, and the held-out budget's three models with the
 * predicted loss of the allocated one. Axes span the data only.
 */
import type { FinishedRun } from './run-store.js';
import { sizePoints, type SweepFit } from './science-fit.js';
import { RunRole } from './science-plan.js';

const budgetLabel = (flops: number): string => `C = ${flops.toExponential(1)}`;

export function profilesSpec(fit: SweepFit, sweep: readonly FinishedRun[], heldOut: readonly FinishedRun[]): Record<string, unknown> {
  const points = sizePoints(sweep).map((p) => ({
    params: p.params,
    loss: p.meanLoss,
    budget: budgetLabel(p.budgetFlops),
    kind: 'sweep (seed mean)',
  }));
  const heldPoints = heldOut
    .filter((r) => r.status === 'completed' && r.finalLoss !== undefined)
    .map((r) => ({
      params: r.params,
      loss: r.finalLoss!,
      budget: `${budgetLabel(r.budgetFlops)} (held out)`,
      kind: r.role === RunRole.Allocated ? 'held out: N*' : 'held out: N*/2, 2N*',
    }));
  const curves = fit.approach2.parabolas.flatMap((p) =>
    Array.from({ length: 40 }, (_, i) => {
      const x = Math.log(p.minParams) + ((Math.log(p.maxParams) - Math.log(p.minParams)) * i) / 39;
      return { params: Math.exp(x), loss: p.c0 + p.c1 * x + p.c2 * x * x, budget: budgetLabel(p.flops) };
    }),
  );
  const predicted =
    fit.heldOut.predictedLoss === null
      ? []
      : [{ params: fit.heldOut.params, loss: fit.heldOut.predictedLoss, label: 'predicted (loss frontier)' }];
  const all = [...points, ...heldPoints, ...curves, ...predicted];
  const domain = (key: 'params' | 'loss', pad: number): [number, number] => {
    const values = all.map((d) => d[key]);
    return [Math.min(...values) / pad, Math.max(...values) * pad];
  };
  const x = { field: 'params', type: 'quantitative', scale: { type: 'log', domain: domain('params', 1.1) }, title: 'N (total parameters)' };
  const y = {
    field: 'loss',
    type: 'quantitative',
    scale: { zero: false, domain: domain('loss', 1.005) },
    title: 'final held-out loss (nats/byte)',
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `IsoFLOP profiles and the held-out budget ${fit.heldOut.flops.toExponential(1)} (N* = ${fit.heldOut.params.toExponential(2)})`,
    width: 560,
    height: 360,
    layer: [
      {
        data: { values: curves },
        mark: { type: 'line', opacity: 0.7 },
        encoding: { x, y, color: { field: 'budget', type: 'nominal', title: 'budget' } },
      },
      {
        data: { values: [...points, ...heldPoints] },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: { x, y, color: { field: 'budget', type: 'nominal' }, shape: { field: 'kind', type: 'nominal', title: 'run' } },
      },
      {
        data: { values: predicted },
        mark: { type: 'point', shape: 'cross', size: 160, color: 'black' },
        encoding: { x, y, tooltip: { field: 'label' } },
      },
    ],
  };
}

export async function renderProfilesSvg(fit: SweepFit, sweep: readonly FinishedRun[], heldOut: readonly FinishedRun[]): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile(profilesSpec(fit, sweep, heldOut) as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
