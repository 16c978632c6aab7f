import { frontierExponents } from '../loss-law.js';
import type { AllocationMapping } from '../presets.js';

/** The frontier exponents (a, b) of any mapping; null when a loss law has no compute-optimal frontier (α or β ≤ 0). */
export function frontierOf(mapping: AllocationMapping): { a: number; b: number } | null {
  if (mapping.kind === 'power-law') return { a: mapping.powerLaw.paramExponent, b: mapping.powerLaw.tokenExponent };
  const { paramExponent, dataExponent } = mapping.law;
  if (!(paramExponent > 0 && dataExponent > 0)) return null;
  const { a, b } = frontierExponents(mapping.law);
  return { a, b };
}
