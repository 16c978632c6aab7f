import type { ComputeBudget, ScalingLaw } from '@scaleplan/contracts';
import { ApiError, getJson, itemsOf } from './api.js';
import { Chart } from './charts.js';
import { finalRunZoomSpec, lossCurveSpec, type CurvePoint, type Prediction } from './curve-chart-specs.js';
import { h, replaceChildren, simulatedBadge, stateBadge, type Child } from './dom.js';
import { estimateCell } from './estimate-view.js';
import { againstInterval, latestLoss, trainedTokensNote, waitingText } from './final-run-view.js';
import * as fmt from './format.js';
import { debounce, type LiveEvent, type LiveUpdates } from './live.js';
import { budgetBadges, budgetText, isSimulatedBudget, lawText } from './budgets-view.js';
import { isSimulated, methodName } from './studies-view.js';
import { curveSeries, type RunWithCurve } from './study-page.js';

type Allocation = NonNullable<NonNullable<ComputeBudget['status']>['allocation']>;

const fact = (term: string, ...value: Child[]): Node[] => [h('dt', {}, term), h('dd', {}, ...value)];

/** Why the allocation is provisional: the law's verdict, else the budget's Ready condition. */
function provisionalReason(budget: ComputeBudget, law: ScalingLaw | undefined): string {
  const verdict = law?.status?.verdict;
  if (verdict && !verdict.trusted) return `${methodName(verdict.method)} is not trusted (${verdict.reason}): ${verdict.message}`;
  return budget.status?.allocation?.provisionalReason ?? 'the law is not Ready yet';
}

/** The allocation tuple: each number with its interval and the method, warnings and provisional status first. */
function allocationFacts(budget: ComputeBudget, allocation: Allocation, law: ScalingLaw | undefined): Child[] {
  const repetition = allocation.dataConstrained;
  return [
    allocation.provisional
      ? h(
          'p',
          { class: 'provisional-banner', role: 'note', id: 'provisional' },
          h('strong', {}, 'Provisional. '),
          `${provisionalReason(budget, law)}. These numbers may still move as the study's runs finish; the final run waits until the law is Ready.`,
        )
      : null,
    allocation.warnings?.length
      ? h(
          'div',
          { class: 'warning-box', role: 'note', id: 'allocation-warnings' },
          h('strong', {}, 'Warnings'),
          h(
            'ul',
            { class: 'warnings' },
            allocation.warnings.map((w) => h('li', {}, w)),
          ),
        )
      : null,
    h(
      'dl',
      { class: 'facts', id: 'allocation' },
      ...fact('Compute budget', budgetText(budget)),
      ...fact('Law and method', `${lawText(budget)}, ${methodName(allocation.method)}`),
      ...fact('N_opt (parameters)', estimateCell(allocation.params, allocation.paramsInterval, fmt.count)),
      ...fact('D_opt (tokens)', estimateCell(allocation.tokens, allocation.tokensInterval, fmt.count)),
      ...fact(
        'Tokens per parameter',
        estimateCell(allocation.tokensPerParam, allocation.tokensPerParamInterval, (v) => (v === undefined ? '—' : v.toFixed(1))),
      ),
      ...fact(
        'Predicted loss (nats/token)',
        allocation.predictedLoss === undefined
          ? 'none: the law is not parametric'
          : estimateCell(allocation.predictedLoss, allocation.predictedLossInterval, fmt.loss),
      ),
      ...fact(
        'Intervals',
        allocation.intervalNote ??
          (allocation.intervalKind === 'none' ? 'none: the source publishes no interval' : (allocation.intervalKind ?? '—')),
      ),
      ...fact(
        'Model shape',
        allocation.shape
          ? `${allocation.shape.layers} layers × width ${allocation.shape.modelDim} × ${allocation.shape.heads} heads (head ${allocation.shape.headDim}, FF ${allocation.shape.ffDim}, vocab ${allocation.shape.vocabSize}, context ${allocation.shape.sequenceLength})`
          : 'not trainable here',
      ),
      ...(repetition
        ? fact(
            'Data repetition',
            estimateCell(repetition.epochs, repetition.epochsInterval, (v) => (v === undefined ? '—' : `${v.toFixed(1)} epochs`)),
            ` over ${fmt.count(repetition.uniqueTokens)} unique tokens`,
            repetition.accountedFor
              ? ` (Muennighoff et al. 2023 eq. 5; without the limit N_opt would be ${fmt.count(repetition.unconstrainedParams)}, D_opt ${fmt.count(repetition.unconstrainedTokens)})`
              : h('strong', {}, ' NOT accounted for: the law has no loss model to weigh repetition with'),
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
      ...fact('Fitted at', allocation.fittedAt ?? '—'),
    ),
  ];
}

/** The Budget page: allocation tuple with intervals, and the final run's loss against the prediction. */
export async function budgetPage(main: HTMLElement, live: LiveUpdates, namespace: string, name: string): Promise<void> {
  const apiPath = `/api/v1/namespaces/${encodeURIComponent(namespace)}/computebudgets/${encodeURIComponent(name)}`;
  const header = h('div');
  const allocationCard = h('section', { class: 'card', 'aria-labelledby': 'allocation-heading' });
  const finalCard = h('section', { class: 'card', 'aria-labelledby': 'final-heading' });
  const overview = new Chart(
    'chart-final-run',
    'Final run: the whole run against the prediction',
    `${name}-final-run`,
    'Log-log axes: early losses are many times the final one. The dashed line is the predicted final loss, the shaded band its interval.',
  );
  const zoom = new Chart(
    'chart-final-run-end',
    'End of training: final loss against the predicted interval',
    `${name}-final-run-end`,
    'The last decade of tokens with the loss axis fitted to the losses there and the predicted interval (shaded), so the final loss can be judged against it.',
  );
  const charts = h('div', { class: 'chart-grid' }, overview.figure, zoom.figure);
  replaceChildren(main, header, allocationCard, finalCard);
  /** Points reported live over SSE while the run trains (the stored curve replaces them when it ends). */
  const livePoints: CurvePoint[] = [];
  let runsEndpoint = true;
  let tokensTotal: number | undefined;

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
    let law: ScalingLaw | undefined;
    if (budget.spec.scalingLaw) {
      try {
        law = await getJson<ScalingLaw>(
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/scalinglaws/${encodeURIComponent(budget.spec.scalingLaw)}`,
        );
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
    }
    const simulated = isSimulatedBudget(budget, new Set(law && isSimulated(law) ? [`${namespace}/${law.metadata.name}`] : []));
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
        ? allocationFacts(budget, allocation, law)
        : h('p', { class: 'empty' }, budget.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? 'No allocation yet.'),
    );
    const run = runs.find((r) => r.kind === 'final') ?? runs[0];
    const stored = run ? curveSeries(run) : [];
    const points = stored.length ? stored : livePoints;
    const prediction: Prediction | undefined =
      allocation?.predictedLoss !== undefined
        ? {
            loss: allocation.predictedLoss,
            ...(allocation.predictedLossInterval
              ? { low: allocation.predictedLossInterval[0], high: allocation.predictedLossInterval[1] }
              : {}),
          }
        : undefined;
    const finalLoss = finalRun?.finalLoss;
    const predicted = finalRun?.predictedLoss ?? allocation?.predictedLoss;
    const tokensNote = allocation && run ? trainedTokensNote(allocation, run) : undefined;
    replaceChildren(
      finalCard,
      h('h2', { id: 'final-heading' }, 'Final run'),
      finalRun
        ? h(
            'dl',
            { class: 'facts', id: 'final-run' },
            ...fact('Run', h('span', { class: 'mono' }, finalRun.runId), finalRun.simulated ? [' ', simulatedBadge()] : null),
            ...fact('State', stateBadge('state', finalRun.state)),
            ...fact(
              'Progress',
              h('progress', { max: 1, value: finalRun.progress, 'aria-label': 'Final run progress' }),
              ` ${fmt.percent(finalRun.progress)} (${fmt.count(finalRun.tokens)} of ${fmt.count(run?.tokens ?? allocation?.tokens)} tokens)`,
            ),
            ...(tokensNote ? fact('Tokens trained', tokensNote) : []),
            ...fact('Latest loss', fmt.loss(latestLoss(finalRun, points))),
            ...fact(
              'Final loss vs predicted',
              finalLoss === undefined
                ? `not finished (predicted ${fmt.loss(predicted)})`
                : `${fmt.loss(finalLoss)} vs ${fmt.loss(predicted)}${finalRun.lossDelta !== undefined ? ` (Δ ${finalRun.lossDelta >= 0 ? '+' : ''}${finalRun.lossDelta.toFixed(4)})` : ''}${againstInterval(finalLoss, allocation?.predictedLossInterval) ? `, ${againstInterval(finalLoss, allocation?.predictedLossInterval)}` : ''}`,
            ),
            ...(finalRun.message ? fact('Message', finalRun.message) : []),
          )
        : h('p', { class: 'empty', id: 'final-run-waiting' }, waitingText(budget)),
      finalRun || points.length ? charts : null,
    );
    if (finalRun || points.length) {
      const description = `Final run loss curve, ${points.length} points${prediction ? `, prediction ${fmt.loss(prediction.loss)}` : ''}`;
      await Promise.all([
        points.length
          ? overview.render(lossCurveSpec(points, prediction, { description, size: { width: 'container', height: 280 } }))
          : overview.showMessage('Losses appear as the run reports them.'),
        zoom.render(
          finalRunZoomSpec(points, prediction, run?.tokens ?? allocation?.tokens, {
            description: `End of training: ${description}`,
            size: { width: 'container', height: 280 },
          }),
        ),
      ]);
    }
    tokensTotal = run?.tokens ?? allocation?.tokens;
  };
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
