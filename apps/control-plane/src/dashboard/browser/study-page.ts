import type { LossPoint, RunRecord, ScalingLaw } from '@scaleplan/contracts';
import type { StudyPlots } from '../study-plots.js';
import { getJson, itemsOf, refPath } from './api.js';
import { Chart, contoursSpec, frontierSpec, lossCurveSpec, profilesSpec, type FrontierData } from './charts.js';
import { h, replaceChildren, simulatedBadge, stateBadge, table } from './dom.js';
import * as fmt from './format.js';
import { debounce, type LiveUpdates } from './live.js';
import { agreementLine, fitsTable, isSimulated, runProgress, studyBadges } from './studies-view.js';

/** A run as the runs endpoint returns it (the curve beside the record, or inside the outcome). */
export type RunWithCurve = RunRecord & { curve?: LossPoint[] };

/** Loss-curve points of a run, for plotting (log x needs tokens > 0). */
export function curveSeries(run: RunWithCurve): { tokens: number; loss: number; series: string }[] {
  const curve = run.curve?.length ? run.curve : (run.outcome?.curve ?? []);
  return curve.flatMap((p) => [
    ...(p.trainLoss !== undefined && p.tokens > 0 ? [{ tokens: p.tokens, loss: p.trainLoss, series: 'train' }] : []),
    ...(p.evalLoss !== undefined && p.tokens > 0 ? [{ tokens: p.tokens, loss: p.evalLoss, series: 'eval' }] : []),
  ]);
}

const shapeText = (run: RunRecord): string => `${run.shape.layers}L × ${run.shape.modelDim}d × ${run.shape.heads}h`;

/** Profiles chart data from the server's plots. */
function profilesData(plots: StudyPlots) {
  const label = (c: number) => `${fmt.flops(c)} FLOPs`;
  return {
    budgets: plots.profiles.map((p) => label(p.budgetFlops)),
    points: plots.profiles.flatMap((p) => p.points.map((q) => ({ ...q, budget: label(p.budgetFlops), budgetFlops: p.budgetFlops }))),
    curves: plots.profiles.flatMap((p) =>
      (p.parabola?.curve ?? []).map((q) => ({ ...q, budget: label(p.budgetFlops), budgetFlops: p.budgetFlops })),
    ),
    minima: plots.profiles.flatMap((p) =>
      p.parabola?.minimum
        ? [
            {
              ...p.parabola.minimum,
              budget: label(p.budgetFlops),
              budgetFlops: p.budgetFlops,
              bracketed: p.parabola.bracketed ? 'bracketed' : 'extrapolated',
            },
          ]
        : [],
    ),
  };
}

function frontierData(plots: StudyPlots, quantity: 'params' | 'tokens'): FrontierData {
  const low = quantity === 'params' ? 'paramsLow' : 'tokensLow';
  const high = quantity === 'params' ? 'paramsHigh' : 'tokensHigh';
  return {
    series: plots.frontier.lines.map((l) => l.label),
    lines: plots.frontier.lines.flatMap((line) =>
      line.points.map((p) => ({
        series: line.label,
        kind: line.kind,
        flops: p.flops,
        value: p[quantity],
        ...(p[low] !== undefined ? { low: p[low], high: p[high] } : {}),
      })),
    ),
    minima: plots.frontier.minima.map((m) => ({
      flops: m.flops,
      value: m[quantity],
      bracketed: m.bracketed ? 'bracketed' : 'extrapolated',
    })),
  };
}

/** The Study page: IsoFLOP profiles, frontier, contours, fits and every run with its loss curve. */
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
    'Points are runs; lines are least-squares parabolas in log N; diamonds are their minima (hollow when the minimum lies outside the sizes run), with a ±1 s.e. bar.',
  );
  const frontierN = new Chart(
    'chart-frontier-params',
    'Frontier: optimal parameters N_opt vs compute C',
    `${name}-frontier-params`,
    "Solid lines: this study's fits with their bootstrap band; dashed: published laws (Chinchilla 2022, Epoch 2024); diamonds: IsoFLOP profile minima.",
  );
  const frontierD = new Chart('chart-frontier-tokens', 'Frontier: optimal tokens D_opt vs compute C', `${name}-frontier-tokens`);
  const contours = new Chart(
    'chart-contours',
    'Iso-loss contours of the parametric fit over (C, N)',
    `${name}-iso-loss-contours`,
    'Each contour is a loss level of L(N, C/6N); the black line is the efficient frontier through their left-most points (Hoffmann et al. 2022, Fig. 4).',
  );
  const contoursSlot = h('div');
  const runsSlot = h('section', { 'aria-labelledby': 'runs-heading', id: 'runs' });
  const expanded = new Set<string>();
  const curveCharts = new Map<string, Chart>();

  replaceChildren(
    main,
    header,
    summary,
    fits,
    h('h2', {}, 'Plots'),
    h('div', { class: 'chart-grid' }, profiles.figure, frontierN.figure, frontierD.figure, contoursSlot),
    runsSlot,
  );

  let latestRuns: RunWithCurve[] = [];

  const renderRuns = (runs: RunWithCurve[], simulatedStudy: boolean): void => {
    const sorted = [...runs].sort((p, q) => p.budgetFlops - q.budgetFlops || p.params - q.params || p.runId.localeCompare(q.runId));
    const rows = sorted.map((run) => {
      const open = expanded.has(run.runId);
      const detailId = `curve-${run.runId.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
      const button = h(
        'button',
        { type: 'button', class: 'button', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': detailId, 'data-run': run.runId },
        open ? 'Hide curve' : 'Show curve',
      );
      button.addEventListener('click', () => {
        if (expanded.has(run.runId)) expanded.delete(run.runId);
        else expanded.add(run.runId);
        renderRuns(latestRuns, simulatedStudy);
        document.querySelector<HTMLButtonElement>(`button[data-run="${CSS.escape(run.runId)}"]`)?.focus();
      });
      let after: HTMLTableRowElement | undefined;
      if (open) {
        const series = curveSeries(run);
        let chart = curveCharts.get(run.runId);
        if (!chart) {
          chart = new Chart(`${detailId}-chart`, `Loss curve of run ${run.runId}`, `${name}-${run.runId}-loss-curve`);
          curveCharts.set(run.runId, chart);
        }
        const cell = h(
          'td',
          { colspan: 12 },
          series.length
            ? chart.figure
            : h(
                'p',
                { class: 'empty' },
                run.state === 'running' ? 'The curve appears when the run reports back.' : 'No loss curve recorded for this run.',
              ),
        );
        after = h('tr', { class: 'curve-row', id: detailId }, cell);
        if (series.length)
          void chart.render(
            lossCurveSpec(
              { points: series },
              `Loss curve of run ${run.runId}: ${series.length} points, final loss ${fmt.loss(run.outcome?.finalLoss)}`,
            ),
          );
      }
      const wall = run.outcome?.wallSeconds ?? fmt.secondsBetween(run.startedAt, run.finishedAt);
      return {
        attrs: { 'data-run-id': run.runId, 'data-state': run.state },
        cells: [
          h('span', { class: 'mono' }, run.runId),
          fmt.flops(run.budgetFlops),
          shapeText(run),
          fmt.count(run.outcome?.params ?? run.params),
          fmt.count(run.outcome?.tokens ?? run.tokens),
          fmt.flops(run.outcome?.flops ?? 6 * run.params * run.tokens),
          run.state === 'diverged' ? h('span', { title: run.error ?? 'diverged' }, 'diverged') : fmt.loss(run.outcome?.finalLoss),
          run.outcome?.backend ?? '—',
          run.simulated ? simulatedBadge() : 'no',
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
    replaceChildren(
      runsSlot,
      h('h2', { id: 'runs-heading' }, `Runs (${runs.length})`, simulatedStudy ? [' ', simulatedBadge()] : null),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: `${exportBase}/runs.csv`, download: `${name}-runs.csv` }, 'Runs as CSV'),
        h('a', { class: 'button', href: `${exportBase}/runs.json`, download: `${name}-runs.json` }, 'Runs as JSON'),
      ),
      table({
        caption: `Runs of ${name}: shape, size, tokens, FLOPs, final loss, backend, status and duration`,
        id: 'runs-table',
        columns: [
          { label: 'Run' },
          { label: 'Budget (FLOPs)', numeric: true },
          { label: 'Shape', title: 'layers × model width × heads' },
          { label: 'N', numeric: true, title: 'non-embedding parameters' },
          { label: 'D', numeric: true, title: 'training tokens' },
          { label: 'FLOPs', numeric: true },
          { label: 'Loss', numeric: true, title: 'final held-out loss, nats/token' },
          { label: 'Backend' },
          { label: 'Simulated' },
          { label: 'Status' },
          { label: 'Duration', numeric: true },
          { label: 'Loss curve' },
        ],
        rows,
        empty: 'No runs planned yet.',
      }),
    );
  };

  const refresh = async (): Promise<void> => {
    const [law, runsBody, plots] = await Promise.all([
      getJson<ScalingLaw>(apiPath),
      getJson<{ items: RunWithCurve[] } | RunWithCurve[]>(`${apiPath}/runs`),
      getJson<StudyPlots>(`${exportBase}/plots`),
    ]);
    const runs = itemsOf(runsBody);
    latestRuns = runs;
    const simulated = isSimulated(law);
    document.title = `${name} · Studies · ScalePlan`;
    replaceChildren(
      header,
      h('p', {}, h('a', { href: '/studies' }, '← Studies')),
      h('h1', {}, `Study ${name} `, h('span', { class: 'muted' }, `(${namespace})`)),
      h('p', {}, studyBadges(law)),
      simulated
        ? h(
            'p',
            { class: 'sim-banner', role: 'note' },
            'Simulated study: every loss on this page comes from a known law plus noise, not from training a model.',
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
    replaceChildren(
      fits,
      h('h2', { id: 'fits-heading' }, 'Fitted laws'),
      agreementLine(law),
      fitsTable(law),
      h(
        'div',
        { class: 'actions' },
        h('a', { class: 'button', href: `${exportBase}/fits.csv`, download: `${name}-fits.csv` }, 'Fits as CSV'),
        h('a', { class: 'button', href: `${exportBase}/fits.json`, download: `${name}-fits.json` }, 'Fits as JSON'),
      ),
    );
    const profileData = profilesData(plots);
    const pointCount = profileData.points.length;
    profiles.figure.dataset.profiles = String(plots.profiles.length);
    profiles.figure.dataset.points = plots.profiles.map((p) => p.points.length).join(',');
    await Promise.all([
      plots.profiles.length
        ? profiles.render(
            profilesSpec(
              profileData,
              `IsoFLOP profiles: ${plots.profiles.length} budgets, ${pointCount} finished runs${plots.simulated ? ' (simulated)' : ''}`,
            ),
          )
        : Promise.resolve(
            profiles.figure.querySelector('.chart-body')?.replaceChildren(h('p', { class: 'empty' }, 'No finished runs yet.')),
          ),
      frontierN.render(
        frontierSpec(
          frontierData(plots, 'params'),
          'params',
          `N_opt against compute for ${plots.frontier.lines.length} laws`,
          plots.frontier.confidence,
        ),
      ),
      frontierD.render(
        frontierSpec(
          frontierData(plots, 'tokens'),
          'tokens',
          `D_opt against compute for ${plots.frontier.lines.length} laws`,
          plots.frontier.confidence,
        ),
      ),
    ]);
    if (plots.contours) {
      if (!contoursSlot.contains(contours.figure)) contoursSlot.replaceChildren(contours.figure);
      await contours.render(
        contoursSpec(plots.contours, `Iso-loss contours of Approach ${plots.contours.method} over compute and parameters`),
      );
    } else {
      contoursSlot.replaceChildren(
        h(
          'figure',
          { class: 'chart' },
          h('figcaption', {}, 'Iso-loss contours'),
          h('p', { class: 'empty' }, 'Appear once the parametric fit (Approach 3) has converged.'),
        ),
      );
    }
    renderRuns(runs, simulated);
  };
  await refresh();
  live.subscribe(
    ((trigger) => (event) => {
      if (event.namespace === namespace && event.name === name) trigger();
    })(debounce(refresh)),
  );
}
