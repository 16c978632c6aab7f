import type { LossPoint, RunRecord, ScalingLaw } from '@scaleplan/contracts';
import type { StudyPlots } from '../study-plots.js';
import { getJson, itemsOf, refPath } from './api.js';
import { Chart } from './charts.js';
import { lossCurveSpec, type CurvePoint } from './curve-chart-specs.js';
import { h, replaceChildren, simulatedBadge, stateBadge, table } from './dom.js';
import { fitDiagnostics } from './fit-diagnostics-view.js';
import * as fmt from './format.js';
import { debounce, type LiveUpdates } from './live.js';
import { seedSpreadLine } from './seed-spread-view.js';
import { agreementLine, fitsTable, isSimulated, runProgress, studyBadges } from './studies-view.js';
import { contoursSpec, frontierSpec, profilesSpec } from './study-chart-specs.js';

/** A run as the runs endpoint returns it (the curve beside the record, or inside the outcome). */
export type RunWithCurve = RunRecord & { curve?: LossPoint[] };

/** Loss-curve points of a run, for plotting (log x needs tokens > 0). */
export function curveSeries(run: RunWithCurve): CurvePoint[] {
  const curve = run.curve?.length ? run.curve : (run.outcome?.curve ?? []);
  return curve.flatMap((p) => [
    ...(p.trainLoss !== undefined && p.tokens > 0 ? [{ tokens: p.tokens, loss: p.trainLoss, series: 'train' }] : []),
    ...(p.evalLoss !== undefined && p.tokens > 0 ? [{ tokens: p.tokens, loss: p.evalLoss, series: 'eval' }] : []),
  ]);
}

const shapeText = (run: RunRecord): string => `${run.shape.layers}L × ${run.shape.modelDim}d × ${run.shape.heads}h`;

const CHART_SIZE = { width: 'container', height: 320 } as const;

/** The runs table: one row per run, its loss curve opening in a row below it. */
function runsTable(
  name: string,
  runs: readonly RunWithCurve[],
  expanded: ReadonlySet<string>,
  curveChart: (run: RunWithCurve, detailId: string) => Chart,
  toggle: (runId: string) => void,
): HTMLElement {
  const columns = [
    { label: 'Run' },
    { label: 'Budget (FLOPs)', numeric: true },
    { label: 'Shape', title: 'layers × model width × heads' },
    { label: 'N', numeric: true, title: 'total parameters trained (embeddings and head included)' },
    { label: 'D', numeric: true, title: 'training tokens' },
    { label: 'Loss', numeric: true, title: 'final held-out loss, nats/token' },
    { label: 'Status' },
    { label: 'Duration', numeric: true },
    { label: 'Loss curve' },
  ];
  const sorted = [...runs].sort((p, q) => p.budgetFlops - q.budgetFlops || p.params - q.params || p.runId.localeCompare(q.runId));
  const rows = sorted.map((run) => {
    const open = expanded.has(run.runId);
    const detailId = `curve-${run.runId.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
    const button = h(
      'button',
      { type: 'button', class: 'button', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': detailId, 'data-run': run.runId },
      open ? 'Hide curve' : 'Show curve',
    );
    button.addEventListener('click', () => toggle(run.runId));
    let after: HTMLTableRowElement | undefined;
    if (open) {
      const series = curveSeries(run);
      const chart = curveChart(run, detailId);
      after = h(
        'tr',
        { class: 'curve-row', id: detailId, role: 'row' },
        h(
          'td',
          { colspan: columns.length, role: 'cell' },
          series.length
            ? chart.figure
            : h(
                'p',
                { class: 'empty' },
                run.state === 'running' ? 'The curve appears when the run reports back.' : 'No loss curve recorded for this run.',
              ),
        ),
      );
      if (series.length) {
        void chart.render(
          lossCurveSpec(series, undefined, {
            description: `Loss curve of run ${run.runId}: ${series.length} points, final loss ${fmt.loss(run.outcome?.finalLoss)}`,
            size: { width: 'container', height: 220 },
          }),
        );
      }
    }
    const wall = run.outcome?.wallSeconds ?? fmt.secondsBetween(run.startedAt, run.finishedAt);
    const ranFlops = run.outcome?.flops ?? FLOPS_PER_PARAM_TOKEN * (run.paramsTotal ?? run.params) * run.tokens;
    return {
      attrs: { 'data-run-id': run.runId, 'data-state': run.state },
      cells: [
        [
          h('span', { class: 'mono run-id' }, run.runId),
          run.simulated ? [' ', simulatedBadge()] : run.outcome?.backend ? h('span', { class: 'muted' }, ` ${run.outcome.backend}`) : null,
        ],
        h('span', { title: `this run: ${fmt.flops(ranFlops)} FLOPs` }, fmt.flops(run.budgetFlops)),
        shapeText(run),
        fmt.count(run.outcome?.paramsTotal ?? run.paramsTotal ?? run.params),
        fmt.count(run.outcome?.tokens ?? run.tokens),
        run.state === 'diverged' ? h('span', { title: run.error ?? 'diverged' }, 'diverged') : fmt.loss(run.outcome?.finalLoss),
        [
          stateBadge('state', run.state),
          run.state === 'running' && run.progress
            ? ` ${fmt.percent(run.progress.step / Math.max(1, run.progress.totalSteps))}${(run.progress.point?.evalLoss ?? run.progress.point?.trainLoss) ? `, loss ${fmt.loss(run.progress.point?.evalLoss ?? run.progress.point?.trainLoss)}` : ''}`
            : null,
          run.attempts > 1 ? ` after ${run.attempts} attempts` : null,
          run.error
            ? h('span', { class: 'run-error', title: run.error }, ` ${run.error.length > 80 ? `${run.error.slice(0, 77)}…` : run.error}`)
            : null,
        ],
        fmt.duration(wall),
        button,
      ],
      after,
    };
  });
  return table({
    caption: `Runs of ${name}: shape, size, tokens, final loss, status and duration (hover a budget for the FLOPs the run spent)`,
    id: 'runs-table',
    columns,
    rows,
    empty: 'No runs planned yet.',
  });
}

/** C ≈ 6·N·D, for runs that have not reported their exact FLOPs. */
const FLOPS_PER_PARAM_TOKEN = 6;

/** The Study page: IsoFLOP profiles, frontier, contours, fits with their verdicts, and every run with its loss curve. */
export async function studyPage(main: HTMLElement, live: LiveUpdates, namespace: string, name: string): Promise<void> {
  const apiPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/scalinglaws/${encodeURIComponent(name)}`;
  const exportBase = `/dashboard/api/studies/${refPath(namespace, name)}`;
  const header = h('div', { id: 'study-header' });
  const summary = h('section', { class: 'card', 'aria-labelledby': 'progress-heading' });
  const fits = h('section', { class: 'card', 'aria-labelledby': 'fits-heading' });
  const profiles = new Chart(
    'chart-profiles',
    'IsoFLOP profiles: final loss vs model size, one curve per budget',
    `${name}-isoflop-profiles`,
    'Points are runs; lines are least-squares parabolas in ln N; diamonds are their minima, filled when the sizes run bracket the minimum and hollow when it is extrapolated, with the ±1 s.e. bar of N* drawn in front. On a simulated study the dotted curves are the true law.',
  );
  const frontierN = new Chart(
    'chart-frontier-params',
    'Frontier: optimal parameters N_opt vs compute C',
    `${name}-frontier-params`,
    "Solid: this study's fits with their bootstrap band (Approach 2 wide underneath, so it shows where it meets Approach 3); dashed: published laws; dotted: the true law of a simulated study; diamonds: IsoFLOP profile minima ±1 s.e. (hollow when extrapolated).",
  );
  const frontierD = new Chart('chart-frontier-tokens', 'Frontier: optimal tokens D_opt vs compute C', `${name}-frontier-tokens`);
  const contours = new Chart(
    'chart-contours',
    'Iso-loss contours of the parametric fit over (C, N)',
    `${name}-iso-loss-contours`,
    'Each contour is a loss level of L(N, C/6N), labelled at its nose; the solid black line is the efficient frontier through the noses (Hoffmann et al. 2022, Fig. 4), dotted the true law of a simulated study; circles are runs.',
  );
  const runsSlot = h('section', { 'aria-labelledby': 'runs-heading', id: 'runs' });
  const expanded = new Set<string>();
  const curveCharts = new Map<string, Chart>();

  replaceChildren(
    main,
    header,
    summary,
    fits,
    h('h2', {}, 'Plots'),
    h('div', { class: 'chart-grid' }, profiles.figure, frontierN.figure, frontierD.figure, contours.figure),
    runsSlot,
  );

  let latestRuns: RunWithCurve[] = [];
  let simulatedStudy = false;

  const curveChart = (run: RunWithCurve, detailId: string): Chart => {
    let chart = curveCharts.get(run.runId);
    if (!chart) {
      chart = new Chart(`${detailId}-chart`, `Loss curve of run ${run.runId}`, `${name}-${run.runId}-loss-curve`);
      curveCharts.set(run.runId, chart);
    }
    return chart;
  };
  const renderRuns = (): void => {
    const toggle = (runId: string): void => {
      if (expanded.has(runId)) expanded.delete(runId);
      else expanded.add(runId);
      renderRuns();
      document.querySelector<HTMLButtonElement>(`button[data-run="${CSS.escape(runId)}"]`)?.focus();
    };
    replaceChildren(
      runsSlot,
      h('h2', { id: 'runs-heading' }, `Runs (${latestRuns.length})`, simulatedStudy ? [' ', simulatedBadge()] : null),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: `${exportBase}/runs.csv`, download: `${name}-runs.csv` }, 'Runs as CSV'),
        h('a', { class: 'button', href: `${exportBase}/runs.json`, download: `${name}-runs.json` }, 'Runs as JSON'),
      ),
      runsTable(name, latestRuns, expanded, curveChart, toggle),
    );
  };

  const renderCharts = async (plots: StudyPlots): Promise<void> => {
    const pointCount = plots.profiles.reduce((sum, p) => sum + p.points.length, 0);
    profiles.figure.dataset.profiles = String(plots.profiles.length);
    profiles.figure.dataset.points = plots.profiles.map((p) => p.points.length).join(',');
    const truth = plots.frontier.lines.find((l) => l.kind === 'truth');
    const lawCount = plots.frontier.lines.length;
    await Promise.all([
      pointCount > 0
        ? profiles.render(
            profilesSpec(plots, {
              description: `IsoFLOP profiles: ${plots.profiles.length} budgets, ${pointCount} finished runs${plots.simulated ? ' (simulated)' : ''}`,
              size: CHART_SIZE,
            }),
          )
        : profiles.showMessage('No finished runs yet.'),
      frontierN.render(frontierSpec(plots, 'params', { description: `N_opt against compute for ${lawCount} laws`, size: CHART_SIZE })),
      frontierD.render(frontierSpec(plots, 'tokens', { description: `D_opt against compute for ${lawCount} laws`, size: CHART_SIZE })),
      plots.contours
        ? contours.render(
            contoursSpec(plots.contours, truth, {
              description: `Iso-loss contours of Approach ${plots.contours.method} over compute and parameters`,
              size: { width: 'container', height: 340 },
            }),
          )
        : contours.showMessage('Appear once the parametric fit (Approach 3) has converged.'),
    ]);
  };

  const refresh = async (): Promise<void> => {
    const [law, runsBody, plots] = await Promise.all([
      getJson<ScalingLaw>(apiPath),
      getJson<{ items: RunWithCurve[] } | RunWithCurve[]>(`${apiPath}/runs`),
      getJson<StudyPlots>(`${exportBase}/plots`),
    ]);
    latestRuns = itemsOf(runsBody);
    simulatedStudy = isSimulated(law);
    document.title = `${name} · Studies · ScalePlan`;
    replaceChildren(
      header,
      h('p', {}, h('a', { href: '/studies' }, '← Studies')),
      h('h1', {}, `Study ${name} `, h('span', { class: 'muted' }, `(${namespace})`)),
      h('p', {}, studyBadges(law)),
      simulatedStudy
        ? h(
            'p',
            { class: 'sim-banner', role: 'note' },
            'Simulated study: every loss on this page comes from a known law plus noise, not from training a model. The true law is drawn dotted and listed under the fits.',
          )
        : null,
    );
    const conditions = law.status?.conditions ?? [];
    const excluded = law.status?.excludedRuns ?? [];
    replaceChildren(
      summary,
      h('h2', { id: 'progress-heading' }, 'Progress'),
      runProgress(law.status?.runs),
      conditions.length
        ? table({
            caption: 'Conditions',
            columns: [{ label: 'Type' }, { label: 'Status' }, { label: 'Reason' }, { label: 'Message' }],
            rows: conditions.map((c) => [c.type, c.status, c.reason, c.message]),
          })
        : null,
      excluded.length
        ? h(
            'details',
            {},
            h('summary', {}, `${excluded.length} runs excluded from the fits`),
            h(
              'ul',
              {},
              excluded.map((e) => h('li', {}, h('span', { class: 'mono' }, e.runId), `: ${e.reason}`)),
            ),
          )
        : null,
    );
    // Keep the reader's open/closed choice of each method's diagnostics across live refreshes.
    const openState = new Map(
      [...fits.querySelectorAll<HTMLDetailsElement>('details.fit-diagnostics')].map((d) => [d.dataset.method, d.open] as const),
    );
    replaceChildren(
      fits,
      h('h2', { id: 'fits-heading' }, 'Fitted laws'),
      agreementLine(law),
      seedSpreadLine(law),
      fitsTable(law),
      fitDiagnostics(law),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: `${exportBase}/fits.csv`, download: `${name}-fits.csv` }, 'Fits as CSV'),
        h('a', { class: 'button', href: `${exportBase}/fits.json`, download: `${name}-fits.json` }, 'Fits as JSON'),
      ),
    );
    for (const details of fits.querySelectorAll<HTMLDetailsElement>('details.fit-diagnostics')) {
      const open = openState.get(details.dataset.method);
      if (open !== undefined) details.open = open;
    }
    await renderCharts(plots);
    renderRuns();
  };
  await refresh();
  live.subscribe(
    ((trigger) => (event) => {
      if (event.namespace === namespace && event.name === name) trigger();
    })(debounce(refresh)),
  );
}
