import type { ComputeBudget, ScalingLaw } from '@scaleplan/contracts';
import { getJson, itemsOf, refPath } from './api.js';
import { h, replaceChildren, simulatedBadge, stateBadge, table } from './dom.js';
import * as fmt from './format.js';
import { byRef, listPage } from './list-page.js';
import type { LiveUpdates } from './live.js';
import { budgetText, isSimulatedBudget, lawText } from './budgets-view.js';
import { estimateCell } from './estimate-view.js';
import { isSimulated, methodName } from './studies-view.js';

/** The Budgets page: every compute budget with its allocation tuple and final run. */
export async function budgetsPage(main: HTMLElement, live: LiveUpdates): Promise<void> {
  const slot = h('div', { id: 'budgets' });
  const refresh = async (): Promise<void> => {
    const [budgetList, lawList] = await Promise.all([
      getJson<{ items: ComputeBudget[] }>('/api/v1/computebudgets'),
      getJson<{ items: ScalingLaw[] }>('/api/v1/scalinglaws'),
    ]);
    const budgets = itemsOf(budgetList);
    const simulatedLaws = new Set(
      itemsOf(lawList)
        .filter(isSimulated)
        .map((law) => `${law.metadata.namespace ?? 'default'}/${law.metadata.name}`),
    );
    budgets.sort(byRef);
    replaceChildren(
      slot,
      table({
        caption:
          "Compute budgets: each number with its interval below it (bootstrap percentiles of the fit, or the preset's published interval)",
        id: 'budgets-table',
        columns: [
          { label: 'Budget' },
          { label: 'Compute' },
          { label: 'Law and method' },
          { label: 'Phase' },
          { label: 'N_opt', numeric: true },
          { label: 'D_opt', numeric: true },
          { label: 'Tokens / param', numeric: true },
          { label: 'Predicted loss', numeric: true },
          { label: 'Final run' },
        ],
        rows: budgets.map((budget) => {
          const ns = budget.metadata.namespace ?? 'default';
          const allocation = budget.status?.allocation;
          const finalRun = budget.status?.finalRun;
          return {
            attrs: { 'data-budget': `${ns}/${budget.metadata.name}` },
            cells: [
              [
                h('a', { href: `/budgets/${refPath(ns, budget.metadata.name)}` }, budget.metadata.name),
                h('span', { class: 'muted' }, ` (${ns})`),
                isSimulatedBudget(budget, simulatedLaws) ? [' ', simulatedBadge()] : null,
              ],
              budgetText(budget),
              [lawText(budget), allocation ? h('span', { class: 'muted' }, `, ${methodName(allocation.method)}`) : null],
              [
                stateBadge('phase', budget.status?.phase ?? 'Pending'),
                allocation?.provisional
                  ? [
                      ' ',
                      h(
                        'span',
                        { class: 'badge provisional', title: 'The law is not Ready yet: the allocation may still move' },
                        'provisional',
                      ),
                    ]
                  : null,
                allocation?.warnings?.length
                  ? [' ', h('span', { class: 'badge warned', title: allocation.warnings.join('\n') }, `⚠ ${allocation.warnings.length}`)]
                  : null,
              ],
              estimateCell(allocation?.params, allocation?.paramsInterval, fmt.count),
              estimateCell(allocation?.tokens, allocation?.tokensInterval, fmt.count),
              allocation
                ? estimateCell(allocation.tokensPerParam, allocation.tokensPerParamInterval, (v) => (v === undefined ? '—' : v.toFixed(1)))
                : '—',
              estimateCell(allocation?.predictedLoss, allocation?.predictedLossInterval, fmt.loss),
              finalRun
                ? [stateBadge('state', finalRun.state), ` ${fmt.percent(finalRun.progress)}`]
                : budget.spec.train
                  ? allocation?.provisional
                    ? 'waits until the law is Ready'
                    : 'waiting for the allocation'
                  : 'not requested',
            ],
          };
        }),
        empty: 'No compute budgets yet.',
      }),
    );
  };
  await listPage(main, live, {
    title: 'Budgets',
    intro: 'Compute budgets and their compute-optimal allocation (N_opt, D_opt).',
    slot,
    refresh,
  });
}
