import { h } from './dom.js';
import { edgeWarning, intervalPosition } from './estimates.js';

/**
 * An estimate as the tables show it: the value, its interval on the line below, and a warning mark
 * when the value sits at the edge of its own interval or outside it (the mark's title says why).
 */
export function estimateCell(
  value: number | undefined,
  interval: readonly [number, number] | undefined,
  format: (v: number | undefined) => string,
): HTMLElement {
  const position = intervalPosition(value, interval);
  const warning = edgeWarning(position);
  return h(
    'span',
    { class: `estimate${warning ? ' at-edge' : ''}`, 'data-position': position },
    h('span', { class: 'value' }, format(value)),
    warning ? h('span', { class: 'edge-flag', title: warning, role: 'img', 'aria-label': `Warning: ${warning}` }, '⚠') : null,
    interval ? h('span', { class: 'interval' }, `[${format(interval[0])}, ${format(interval[1])}]`) : null,
  );
}
