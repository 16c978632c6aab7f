import type { ComputeBudget } from '@scaleplan/contracts';
import { h, simulatedBadge, type Child } from './dom.js';
import * as fmt from './format.js';

/** The budget as the user gave it. */
export function budgetText(budget: ComputeBudget): string {
  const hours = budget.spec.acceleratorHours;
  const resolved = budget.status?.flops ?? budget.spec.flops;
  return hours
    ? `${hours.hours} ${hours.accelerator}-hours (${hours.precision}, MFU ${hours.utilisation}) = ${fmt.flops(resolved)} FLOPs`
    : `${fmt.flops(resolved)} FLOPs`;
}

/** The law a budget maps through. */
export const lawText = (budget: ComputeBudget): string =>
  budget.status?.allocation?.law ??
  (budget.spec.preset ? `preset:${budget.spec.preset}` : `${budget.metadata.namespace ?? 'default'}/${budget.spec.scalingLaw ?? '?'}`);

/**
 * True when the budget's numbers come from simulated runs: its final run is simulated, or the study
 * whose fit it uses is (`simulatedLaws` holds `namespace/name` of the simulated studies).
 */
export const isSimulatedBudget = (budget: ComputeBudget, simulatedLaws: ReadonlySet<string>): boolean =>
  budget.status?.finalRun?.simulated === true ||
  (budget.spec.scalingLaw !== undefined && simulatedLaws.has(`${budget.metadata.namespace ?? 'default'}/${budget.spec.scalingLaw}`));

/** The header badges of a budget. */
export const budgetBadges = (budget: ComputeBudget, simulated: boolean): Child[] => [
  h('span', { class: `badge phase-${budget.status?.phase ?? 'Pending'}` }, budget.status?.phase ?? 'Pending'),
  simulated ? [' ', simulatedBadge()] : null,
];
