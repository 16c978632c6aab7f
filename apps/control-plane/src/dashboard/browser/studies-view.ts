import type { FitSummary, RunCounts, ScalingLaw } from '@scaleplan/contracts';
import { h, simulatedBadge, table, type Child } from './dom.js';
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

/** The fitted parameters of each method with their intervals. */
export function fitsTable(law: ScalingLaw, caption = 'Fitted parameters per method'): HTMLElement {
  const fits = [...(law.status?.fits ?? [])].sort((p, q) => p.method - q.method);
  const confidence = law.spec.fit?.confidence ?? 0.8;
  const lawCell = (fit: FitSummary): Child => {
    if (fit.law) {
      const iv = fit.lawIntervals ?? {};
      const item = (name: string, key: string, value: number) =>
        `${name}=${fmt.param(value)}${iv[key] ? ` ${fmt.interval(iv[key] as [number, number])}` : ''}`;
      return [
        item('E', 'irreducibleLoss', fit.law.irreducibleLoss),
        item('A', 'paramCoeff', fit.law.paramCoeff),
        item('B', 'dataCoeff', fit.law.dataCoeff),
        item('α', 'paramExponent', fit.law.paramExponent),
        item('β', 'dataExponent', fit.law.dataExponent),
      ].join(', ');
    }
    if (fit.paramCoeff !== undefined) return `N_opt = ${fmt.param(fit.paramCoeff)}·C^a, D_opt = ${fmt.param(fit.tokenCoeff)}·C^b`;
    return '—';
  };
  return table({
    caption: `${caption} (${Math.round(confidence * 100)}% bootstrap intervals)`,
    columns: [
      { label: 'Method' },
      { label: 'a (N_opt ∝ C^a)', numeric: true },
      { label: 'interval', numeric: true },
      { label: 'b (D_opt ∝ C^b)', numeric: true },
      { label: 'interval', numeric: true },
      { label: 'Law / mapping', wrap: true },
      { label: 'Runs', numeric: true },
      { label: 'Converged' },
      { label: 'Warnings', wrap: true },
    ],
    rows: fits.map((fit) => ({
      attrs: { 'data-method': fit.method },
      cells: [
        `Approach ${fit.method}`,
        fmt.param(fit.a),
        fmt.interval(fit.aInterval),
        fmt.param(fit.b),
        fmt.interval(fit.bInterval),
        lawCell(fit),
        fit.runs,
        fit.converged ? 'yes' : 'no',
        fit.warnings.length ? fit.warnings.join('; ') : '',
      ],
    })),
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
