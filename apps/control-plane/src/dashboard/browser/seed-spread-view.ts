import type { ScalingLaw, SeedSpread } from '@scaleplan/contracts';
import { h } from './dom.js';
import * as fmt from './format.js';

const pct = (fraction: number): string => `${(100 * fraction).toFixed(2)}%`;

/**
 * The recipe's measured seed noise, in words: every IsoFLOP profile stands on it, so a reader sees it next to
 * the fits (status.seedSpread; absent until some sweep size has two seeds).
 */
export function seedSpreadText(spread: SeedSpread): string {
  return (
    `Seed spread of final loss: median ${pct(spread.medianRelativeStd)}, worst ${pct(spread.maxRelativeStd)} ` +
    `(N = ${fmt.count(spread.worst.params)} at C = ${fmt.flops(spread.worst.budgetFlops)}, ${spread.worst.seeds} seeds), ` +
    `over ${spread.replicatedSizes} of ${spread.sizes} sizes trained with two or more seeds; target < ${(100 * spread.target).toFixed(1)}% at every size.`
  );
}

/** The seed-spread line of a study page, or nothing while no size has two seeds. */
export function seedSpreadLine(law: ScalingLaw): HTMLElement | null {
  const spread = law.status?.seedSpread;
  if (!spread) return null;
  return h(
    'p',
    { class: 'seed-spread', 'data-met': String(spread.met) },
    h('span', { class: `badge ${spread.met ? 'agree' : 'disagree'}` }, spread.met ? 'seed noise within target' : 'seed noise above target'),
    ' ',
    seedSpreadText(spread),
  );
}
