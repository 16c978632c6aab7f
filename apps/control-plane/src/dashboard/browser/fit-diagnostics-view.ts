import type { FitSummary, ScalingLaw } from '@scaleplan/contracts';
import { h, table, type Child } from './dom.js';
import { intervalPosition } from './estimates.js';
import * as fmt from './format.js';
import { frontierExponents, methodName, verdictBadge } from './studies-view.js';

/**
 * What each fit's trust verdict was judged on, one disclosure per method (open when the fit is not
 * trusted): the checks with their results, each budget's profile minimum, E against the losses, N_opt
 * at the budgets that use the law, agreement between methods, influential runs, the fit's warnings
 * and, on a simulated study, whether its interval on a covers the true value.
 */
export function fitDiagnostics(law: ScalingLaw): HTMLElement {
  const fits = [...(law.status?.fits ?? [])].sort((p, q) => p.method - q.method);
  const verdict = law.status?.verdict;
  return h(
    'div',
    { class: 'diagnostics', id: 'fit-diagnostics' },
    h('h3', {}, 'Trust verdicts and diagnostics'),
    verdict
      ? h(
          'p',
          { class: 'verdict-line', 'data-trusted': String(verdict.trusted) },
          `The study's answer (${methodName(verdict.method)}, the primary method) is `,
          h('strong', {}, verdict.trusted ? 'trusted' : 'not trusted'),
          `: ${verdict.message}`,
        )
      : null,
    fits.length === 0 ? h('p', { class: 'empty' }, 'No fit yet.') : fits.map((fit) => methodDiagnostics(law, fit)),
  );
}

function methodDiagnostics(law: ScalingLaw, fit: FitSummary): HTMLElement {
  const d = fit.diagnostics;
  const trusted = fit.verdict?.trusted ?? false;
  return h(
    'details',
    { class: 'fit-diagnostics', 'data-method': fit.method, open: !trusted },
    h(
      'summary',
      {},
      methodName(fit.method),
      ' ',
      verdictBadge(fit),
      fit.verdict ? h('span', { class: 'muted' }, ` ${fit.verdict.message}`) : null,
    ),
    fit.verdict?.checks.length
      ? table({
          caption: `Checks of ${methodName(fit.method)}`,
          columns: [{ label: 'Check' }, { label: 'Result' }, { label: 'Detail' }],
          rows: fit.verdict.checks.map((c) => ({
            attrs: { 'data-check': c.name, 'data-passed': String(c.passed) },
            cells: [
              c.name,
              h(
                'span',
                { class: `check ${c.passed ? 'passed' : c.severity === 'blocking' ? 'failed' : 'warned'}` },
                c.passed ? 'passed' : c.severity === 'blocking' ? 'failed (blocks)' : 'failed (warning)',
              ),
              c.message,
            ],
          })),
        })
      : null,
    h(
      'ul',
      { class: 'facts-list' },
      truthCoverage(law, fit),
      listFact('Profile minima: ', d?.budgets, (b) => [
        `${fmt.flops(b.flops)}: ${b.sizes} sizes, N* ${fmt.count(b.minimumParams ?? undefined)} `,
        b.bracketed ? 'bracketed' : h('strong', {}, 'not bracketed'),
        b.bracketed && !b.withinMargin ? ' (near the edge of the sizes run)' : '',
      ]),
      d?.irreducibleLoss
        ? h(
            'li',
            {},
            `E = ${fmt.param(d.irreducibleLoss.value)} against a lowest observed loss of ${fmt.loss(d.irreducibleLoss.lowestLoss)}`,
            d.irreducibleLoss.collapsed ? h('strong', {}, ': collapsed (the runs do not constrain E)') : '',
          )
        : null,
      listFact('N_opt at the budgets that use it: ', d?.nOpt, (n) => [
        `${fmt.flops(n.flops)}: ${fmt.count(n.params)}`,
        n.interval ? ` [${fmt.count(n.interval[0])}, ${fmt.count(n.interval[1])}]` : ' (no interval)',
        n.ratio !== undefined ? ` (×${n.ratio.toFixed(2)} wide)` : '',
        edgeText(n.params, n.interval),
      ]),
      listFact('Agreement on a: ', d?.agreement, (m) => [
        `${methodName(m.method)} ${fmt.param(m.a)}${m.aInterval ? ` ${fmt.interval(m.aInterval)}` : ''} `,
        m.agrees ? 'agrees' : h('strong', {}, 'disagrees'),
      ]),
      d?.influence
        ? h(
            'li',
            {},
            `Influential runs at ${fmt.flops(d.influence.flops)}: `,
            d.influence.flagged.length
              ? [h('strong', {}, d.influence.flagged.join(', ')), ' move a or N_opt beyond its interval. ']
              : 'none moves a or N_opt beyond its interval. ',
            h('span', { class: 'muted' }, d.influence.note),
          )
        : null,
      fit.warnings.length ? h('li', {}, 'Warnings: ', fit.warnings.join('; ')) : null,
    ),
  );
}

/** One line of facts on several items, `label` then each item's parts, separated by "; "; nothing when there are none. */
function listFact<T>(label: string, items: readonly T[] | undefined, parts: (item: T) => Child[]): Child {
  return items?.length
    ? h(
        'li',
        {},
        label,
        items.map((item, i) => [i > 0 ? '; ' : '', ...parts(item)]),
      )
    : null;
}

/** " — at the edge of its interval" when the estimate sits there (or outside). */
function edgeText(value: number, interval: readonly [number, number] | undefined): Child {
  const position = intervalPosition(value, interval);
  if (!position || position === 'inside') return '';
  return h(
    'strong',
    { class: 'edge-text' },
    ` ⚠ ${position === 'below' || position === 'above' ? `${position} its interval` : 'at the edge of its interval'}`,
  );
}

/** On a simulated study: whether the fit's interval on a covers the true law's a. */
function truthCoverage(law: ScalingLaw, fit: FitSummary): Child {
  const truth = law.spec.sweep?.simulate?.law;
  if (!truth) return null;
  const { a } = frontierExponents(truth);
  if (!fit.aInterval) return h('li', {}, `True a = ${fmt.param(a)}; this fit has a = ${fmt.param(fit.a)} and no interval to compare.`);
  const [low, high] = fit.aInterval;
  const covered = a >= low && a <= high;
  return h(
    'li',
    { 'data-truth-covered': String(covered) },
    `True a = ${fmt.param(a)} (simulated): `,
    covered ? 'inside' : h('strong', {}, 'outside'),
    ` this fit's interval ${fmt.interval(fit.aInterval)}.`,
  );
}
