import type { FitSummary, RunCounts, ScalingLaw } from '@scaleplan/contracts';
import { seriesStyle } from './chart-palette.js';
import { h, simulatedBadge, table, type Child } from './dom.js';
import { estimateCell } from './estimate-view.js';
import * as fmt from './format.js';

const SEGMENTS = ['succeeded', 'failed', 'diverged', 'running', 'queued'] as const;

/** Total runs of a study (planned ones included). */
export const totalRuns = (runs: RunCounts | undefined): number =>
  runs ? runs.planned + runs.queued + runs.running + runs.succeeded + runs.failed + runs.diverged : 0;

/** A stacked progress bar of run states, with a text equivalent for screen readers and a legend. */
export function runProgress(runs: RunCounts | undefined): HTMLElement {
  const total = totalRuns(runs);
  const done = runs ? runs.succeeded + runs.failed + runs.diverged : 0;
  const parts = runs ? SEGMENTS.filter((s) => runs[s] > 0).map((s) => `${runs[s]} ${s}`) : [];
  const label =
    total === 0
      ? 'No runs planned yet'
      : `${done} of ${total} runs finished${parts.length ? `: ${parts.join(', ')}` : ''}${runs && runs.planned ? `, ${runs.planned} planned` : ''}`;
  const bar = h('div', { class: 'progress', role: 'img', 'aria-label': label });
  for (const segment of SEGMENTS) {
    const value = runs?.[segment] ?? 0;
    if (value === 0 || total === 0) continue;
    const span = h('span', { class: segment, title: `${value} ${segment}` });
    span.style.width = `${(100 * value) / total}%`;
    bar.appendChild(span);
  }
  const legend = h(
    'ul',
    { class: 'legend' },
    [...SEGMENTS, 'planned' as const].map((s) =>
      h('li', {}, h('span', { class: `swatch ${s}`, 'aria-hidden': 'true' }), `${s} ${runs?.[s] ?? 0}`),
    ),
  );
  return h(
    'div',
    { class: 'run-progress', 'data-done': done, 'data-total': total },
    h('p', { class: 'muted progress-text' }, label),
    bar,
    legend,
  );
}

/** Whether the methods' bootstrap intervals on `a` (N_opt ∝ C^a) overlap: disagreement is itself a finding. */
export function methodAgreement(fits: readonly FitSummary[] | undefined): { verdict: 'agree' | 'disagree' | 'unknown'; text: string } {
  const usable = (fits ?? []).filter((f) => f.converged);
  if (usable.length < 2) return { verdict: 'unknown', text: usable.length === 1 ? 'One method fitted so far' : 'No fits yet' };
  const withIntervals = usable.filter((f) => f.aInterval);
  if (withIntervals.length < 2) return { verdict: 'unknown', text: 'No bootstrap intervals to compare' };
  const conflicts: string[] = [];
  for (let i = 0; i < withIntervals.length; i++) {
    for (let j = i + 1; j < withIntervals.length; j++) {
      const [p, q] = [withIntervals[i]!, withIntervals[j]!];
      const [pl, ph] = p.aInterval!;
      const [ql, qh] = q.aInterval!;
      if (ph < ql || qh < pl) conflicts.push(`Approach ${p.method} vs ${q.method}`);
    }
  }
  return conflicts.length === 0
    ? {
        verdict: 'agree',
        text: `Methods agree: the intervals on a overlap (${withIntervals.map((f) => `Approach ${f.method}`).join(', ')})`,
      }
    : { verdict: 'disagree', text: `Methods disagree on a: ${conflicts.join('; ')}` };
}

/** "InsufficientEvidence" → "insufficient evidence". */
const words = (reason: string): string => reason.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/** The trust verdict of a fit as a badge whose title carries the verdict's one-line reason. */
export function verdictBadge(fit: Pick<FitSummary, 'verdict' | 'converged'>): HTMLElement {
  const verdict = fit.verdict;
  if (!verdict) {
    return h(
      'span',
      { class: `badge verdict-${fit.converged ? 'unknown' : 'untrusted'}` },
      fit.converged ? 'converged, not judged' : 'not converged',
    );
  }
  return h(
    'span',
    { class: `badge verdict-${verdict.trusted ? 'trusted' : 'untrusted'}`, title: verdict.message, 'data-reason': verdict.reason },
    verdict.trusted ? 'trusted' : words(verdict.reason),
  );
}

/** Label of a fitting method ("Approach 3 (parametric)"). */
export const methodName = (method: number): string => seriesStyle(`method-${method}`, `Method ${method}`).label;

/** L(N, D) = E + A·N^−α + B·D^−β as the status carries it. */
type LossLaw = NonNullable<FitSummary['law']>;

const LAW_TERMS = [
  ['E', 'irreducibleLoss'],
  ['A', 'paramCoeff'],
  ['B', 'dataCoeff'],
  ['α', 'paramExponent'],
  ['β', 'dataExponent'],
] as const;

/** E, A, B, α, β each with its interval (and an edge mark where one sits at the edge of its interval). */
function lawTerms(law: LossLaw, intervals: FitSummary['lawIntervals'] = {}): HTMLElement {
  return h(
    'span',
    { class: 'law-terms' },
    LAW_TERMS.map(([symbol, key]) =>
      h(
        'span',
        { class: 'law-term' },
        `${symbol} `,
        estimateCell(law[key], intervals[key] as [number, number] | undefined, (v) => fmt.param(v)),
      ),
    ),
  );
}

/** The exponents of the frontier a law implies: a = β/(α+β), b = α/(α+β) (Hoffmann et al. 2022, eq. 4). */
export const frontierExponents = (law: LossLaw): { a: number; b: number } => ({
  a: law.dataExponent / (law.paramExponent + law.dataExponent),
  b: law.paramExponent / (law.paramExponent + law.dataExponent),
});

/**
 * The fitted parameters of each method with their intervals and trust verdicts; estimates at the edge
 * of their own interval are marked. A simulated study gets a last row with the true law, so the fits
 * can be checked against it.
 */
export function fitsTable(law: ScalingLaw, caption = 'Fitted parameters per method'): HTMLElement {
  const fits = [...(law.status?.fits ?? [])].sort((p, q) => p.method - q.method);
  const confidence = law.spec.fit?.confidence ?? 0.8;
  const primary = law.spec.fit?.primaryMethod;
  const mappingCell = (fit: FitSummary): Child => {
    if (fit.law) return lawTerms(fit.law, fit.lawIntervals);
    if (fit.paramCoeff !== undefined) return `N_opt = ${fmt.param(fit.paramCoeff)}·C^a, D_opt = ${fmt.param(fit.tokenCoeff)}·C^b`;
    return '—';
  };
  const rows: { attrs: Record<string, string | number>; cells: Child[] }[] = fits.map((fit) => ({
    attrs: { 'data-method': fit.method },
    cells: [
      [methodName(fit.method), fit.method === primary ? h('span', { class: 'muted' }, ' (primary)') : null],
      verdictBadge(fit),
      estimateCell(fit.a, fit.aInterval, (v) => fmt.param(v)),
      estimateCell(fit.b, fit.bInterval, (v) => fmt.param(v)),
      fit.runs,
      mappingCell(fit),
    ],
  }));
  const truth = law.spec.sweep?.simulate?.law;
  if (truth && isSimulated(law)) {
    const { a, b } = frontierExponents(truth);
    rows.push({
      attrs: { 'data-method': 'truth' },
      cells: [
        h('span', { class: 'truth-label' }, 'True law (simulated)'),
        h('span', { class: 'muted' }, 'what the fits should find'),
        fmt.param(a),
        fmt.param(b),
        '—',
        lawTerms(truth),
      ],
    });
  }
  return table({
    caption: `${caption} (${Math.round(confidence * 100)}% bootstrap intervals below each estimate; ⚠ marks an estimate at the edge of its own interval)`,
    columns: [
      { label: 'Method' },
      { label: 'Verdict', title: 'Whether the fit can be trusted; hover for the reason' },
      { label: 'a (N_opt ∝ C^a)', numeric: true },
      { label: 'b (D_opt ∝ C^b)', numeric: true },
      { label: 'Runs', numeric: true },
      { label: 'Law / mapping' },
    ],
    rows,
    empty: 'No fit yet: methods fit once enough runs have finished.',
  });
}

/** Agreement badge with its explanation. */
export function agreementLine(law: ScalingLaw): HTMLElement {
  const agreement = methodAgreement(law.status?.fits);
  return h(
    'p',
    { class: 'agreement', 'data-verdict': agreement.verdict },
    h(
      'span',
      { class: `badge ${agreement.verdict}` },
      agreement.verdict === 'agree' ? 'methods agree' : agreement.verdict === 'disagree' ? 'methods disagree' : 'agreement unknown',
    ),
    ' ',
    agreement.text,
  );
}

/** True when the study's runs are simulated (status, else the spec). */
export const isSimulated = (law: ScalingLaw): boolean => law.status?.simulated ?? law.spec.sweep?.simulate !== undefined;

/** The header badges of a study. */
export const studyBadges = (law: ScalingLaw): Child[] => [
  h('span', { class: `badge phase-${law.status?.phase ?? 'Pending'}` }, law.status?.phase ?? 'Pending'),
  isSimulated(law) ? [' ', simulatedBadge()] : null,
  law.spec.preset ? [' ', h('span', { class: 'badge' }, `preset ${law.spec.preset}`)] : null,
];
