import type { ComputeBudget } from '@scaleplan/contracts';

/** spec → FLOPs, or why not. */
export type BudgetFlopsResolver = (spec: ComputeBudget['spec']) => { ok: true; flops: number } | { ok: false; reason: string };

/** Peak dense FLOP/s of an accelerator at a precision, or undefined when unknown. */
export type AcceleratorPeak = (accelerator: string, precision: string) => number | undefined;

/**
 * C = hours × 3600 × peak FLOP/s × utilisation (MFU) for accelerator-hour budgets; `spec.flops` as is.
 * `knownAccelerators` names the accepted values in the error message.
 */
export function createBudgetFlopsResolver(peak: AcceleratorPeak, knownAccelerators: () => readonly string[]): BudgetFlopsResolver {
  return (spec) => {
    if (spec.flops !== undefined) {
      return Number.isFinite(spec.flops) && spec.flops > 0 ? { ok: true, flops: spec.flops } : { ok: false, reason: `flops must be a finite number > 0, got ${spec.flops}` };
    }
    const hours = spec.acceleratorHours;
    if (!hours) return { ok: false, reason: 'give spec.flops or spec.acceleratorHours' };
    const flopsPerSecond = peak(hours.accelerator, hours.precision);
    if (flopsPerSecond === undefined) {
      return { ok: false, reason: `unknown accelerator ${hours.accelerator} at ${hours.precision}; known: ${knownAccelerators().join(', ')}` };
    }
    return { ok: true, flops: hours.hours * 3600 * flopsPerSecond * hours.utilisation };
  };
}
