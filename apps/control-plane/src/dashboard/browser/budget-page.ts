import type { ComputeBudget, ScalingLaw } from '@scaleplan/contracts';
import { ApiError, getJson, itemsOf } from './api.js';
import { Chart, lossCurveSpec } from './charts.js';
import { h, replaceChildren, simulatedBadge, stateBadge } from './dom.js';
import * as fmt from './format.js';
import { debounce, type LiveEvent, type LiveUpdates } from './live.js';
import { budgetBadges, budgetText, countWithInterval, isSimulatedBudget, lawText, lossWithInterval } from './budgets-view.js';
import { isSimulated } from './studies-view.js';
import { curveSeries, type RunWithCurve } from './study-page.js';

const fact = (term: string, ...value: (Node | string)[]): Node[] => [h('dt', {}, term), h('dd', {}, ...value)];

/** The Budget page: allocation tuple, predicted loss with interval, and the final run's live loss curve. */
export async function budgetPage(main: HTMLElement, live: LiveUpdates, namespace: string, name: string): Promise<void> {
  const apiPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/computebudgets/${encodeURIComponent(name)}`;
  const header = h('div');
  const allocationCard = h('section', { class: 'card', 'aria-labelledby': 'allocation-heading' });
  const finalCard = h('section', { class: 'card', 'aria-labelledby': 'final-heading' });
  const chart = new Chart(
    'chart-final-run',
    'Final run: loss against the prediction',
    `${name}-final-run`,
    'The dashed line is the predicted final loss; the shaded band is its bootstrap interval. Losses appear as the run reports them.',
  );
  replaceChildren(main, header, allocationCard, finalCard);
  /** Points reported live over SSE while the run trains (the stored curve replaces them when it ends). */
  const livePoints: { tokens: number; loss: number; series: string }[] = [];
  let runsEndpoint = true;

  const refresh = async (): Promise<void> => {
    const budget = await getJson<ComputeBudget>(apiPath);
    let runs: RunWithCurve[] = [];
    if (runsEndpoint) {
      try {
        runs = itemsOf(await getJson<{ items: RunWithCurve[] } | RunWithCurve[]>(`${apiPath}/runs`));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) runsEndpoint = false;
        else throw error;
      }
    }
    const allocation = budget.status?.allocation;
    const finalRun = budget.status?.finalRun;
    const simulatedLaws = new Set<string>();
    if (budget.spec.scalingLaw) {
      try {
        const law = await getJson<ScalingLaw>(
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/scalinglaws/${encodeURIComponent(budget.spec.scalingLaw)}`,
        );
        if (isSimulated(law)) simulatedLaws.add(`${namespace}/${law.metadata.name}`);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
    }
    const simulated = isSimulatedBudget(budget, simulatedLaws);
    document.title = `${name} · Budgets · ScalePlan`;
    replaceChildren(
      header,
      h('p', {}, h('a', { href: '/budgets' }, '← Budgets')),
      h('h1', {}, `Budget ${name} `, h('span', { class: 'muted' }, `(${namespace})`)),
      h('p', {}, budgetBadges(budget, simulated)),
      simulated
        ? h(
            'p',
            { class: 'sim-banner', role: 'note' },
            'Simulated: this allocation comes from a study of simulated runs, and any final run is simulated too (losses from a known law plus noise, not from training).',
          )
        : null,
    );
    replaceChildren(
      allocationCard,
      h('h2', { id: 'allocation-heading' }, 'Allocation tuple'),
      allocation
        ? h(
            'dl',
            { class: 'facts', id: 'allocation' },
            ...fact('Compute budget', budgetText(budget)),
            ...fact('Law', `${lawText(budget)} (Approach ${allocation.method})`),
            ...fact('N_opt (parameters)', countWithInterval(allocation.params, allocation.paramsInterval)),
            ...fact('D_opt (tokens)', countWithInterval(allocation.tokens, allocation.tokensInterval)),
            ...fact('Tokens per parameter', allocation.tokensPerParam.toFixed(1)),
            ...fact(
              'Predicted loss',
              lossWithInterval(allocation.predictedLoss, allocation.predictedLossInterval),
              allocation.predictedLoss === undefined ? ' (the law is not parametric)' : ' nats/token',
            ),
            ...fact(
              'Model shape',
              allocation.shape
                ? `${allocation.shape.layers} layers × width ${allocation.shape.modelDim} × ${allocation.shape.heads} heads (head ${allocation.shape.headDim}, FF ${allocation.shape.ffDim}, vocab ${allocation.shape.vocabSize}, context ${allocation.shape.sequenceLength})`
                : 'not trainable here',
            ),
            ...(allocation.intervalNote ? fact('Intervals', allocation.intervalNote) : []),
            ...(allocation.provisional
              ? fact(
                  'Provisional',
                  budget.status?.conditions?.find((c) => c.type === 'Ready')?.message.replace(/^.*; provisional: /, '') ??
                    'the law is not Ready yet',
                )
              : []),
            ...(allocation.dataConstrained
              ? fact(
                  'Data repetition',
                  `${allocation.dataConstrained.epochs.toFixed(1)} epochs over ${fmt.count(allocation.dataConstrained.uniqueTokens)} unique tokens`,
                  allocation.dataConstrained.accountedFor
                    ? ` (Muennighoff et al. 2023 eq. 5; without the limit N_opt ${fmt.count(allocation.dataConstrained.unconstrainedParams)})`
                    : ' (NOT accounted for: the law has no loss model)',
                )
              : allocation.repetitionFactor !== undefined
                ? fact('Data repetition', `${allocation.repetitionFactor.toFixed(2)} × the unique tokens`)
                : []),
            ...(allocation.inference
              ? fact(
                  'Inference-aware',
                  `for ${fmt.count(allocation.inference.inferenceTokens)} inference tokens train ${allocation.inference.paramsDisplay} parameters on ${allocation.inference.tokensDisplay} tokens: `,
                  `${(allocation.inference.saving * 100).toFixed(1)}% fewer lifetime FLOPs (Sardana et al. 2024)`,
                )
              : []),
            ...(allocation.warnings?.length
              ? fact('Warnings', h('ul', { class: 'warnings' }, ...allocation.warnings.map((w) => h('li', {}, w))))
              : []),
            ...fact('Fitted at', allocation.fittedAt ?? '—'),
          )
        : h('p', { class: 'empty' }, budget.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? 'No allocation yet.'),
    );
    const run = runs.find((r) => r.kind === 'final') ?? runs[0];
    const stored = run ? curveSeries(run) : [];
    const points = stored.length ? stored : livePoints;
    const prediction =
      allocation?.predictedLoss !== undefined
        ? {
            loss: allocation.predictedLoss,
            ...(allocation.predictedLossInterval
              ? { low: allocation.predictedLossInterval[0], high: allocation.predictedLossInterval[1] }
              : {}),
          }
        : undefined;
    replaceChildren(
      finalCard,
      h('h2', { id: 'final-heading' }, 'Final run'),
      finalRun
        ? h(
            'dl',
            { class: 'facts', id: 'final-run' },
            ...fact(
              'Run',
              h('span', { class: 'mono' }, finalRun.runId),
              finalRun.simulated ? ' ' : '',
              finalRun.simulated ? simulatedBadge() : '',
            ),
            ...fact('State', stateBadge('state', finalRun.state)),
            ...fact(
              'Progress',
              h('progress', { max: 1, value: finalRun.progress, 'aria-label': 'Final run progress' }),
              ` ${fmt.percent(finalRun.progress)} (${fmt.count(finalRun.tokens)} tokens)`,
            ),
            ...fact('Latest loss', fmt.loss(finalRun.latestLoss)),
            ...fact(
              'Final loss vs predicted',
              `${fmt.loss(finalRun.finalLoss)} vs ${fmt.loss(finalRun.predictedLoss ?? allocation?.predictedLoss)}${finalRun.lossDelta !== undefined ? ` (Δ ${finalRun.lossDelta >= 0 ? '+' : ''}${finalRun.lossDelta.toFixed(4)})` : ''}`,
            ),
            ...(finalRun.message ? fact('Message', finalRun.message) : []),
          )
        : h(
            'p',
            { class: 'empty' },
            budget.spec.train ? 'The final run starts once the allocation is known.' : 'No final run requested (spec.train is false).',
          ),
      finalRun || points.length ? chart.figure : null,
    );
    if (finalRun || points.length) {
      await chart.render(
        lossCurveSpec(
          { points, ...(prediction ? { prediction } : {}) },
          `Final run loss curve, ${points.length} points${prediction ? `, prediction ${fmt.loss(prediction.loss)}` : ''}`,
          280,
        ),
      );
    }
    tokensTotal = allocation?.tokens;
  };
  let tokensTotal: number | undefined;
  await refresh();
  const trigger = debounce(refresh);
  live.subscribe((event: LiveEvent) => {
    if (event.namespace !== namespace || event.name !== name) return;
    if (event.type === 'run' && event.loss !== undefined && event.progress !== undefined && tokensTotal) {
      livePoints.push({ tokens: Math.max(1, event.progress * tokensTotal), loss: event.loss, series: 'reported live' });
    }
    trigger();
  });
}
