import type { ComputeBudget } from '@scaleplan/contracts';

/**
 * spec → FLOPs, or why not. The implementation is `createBudgetFlopsResolverFromLibrary` (scaling-laws.adapter.ts):
 * spec.flops as is, accelerator-hours × peak FLOP/s × MFU through the library's accelerator table.
 */
export type BudgetFlopsResolver = (spec: ComputeBudget['spec']) => { ok: true; flops: number } | { ok: false; reason: string };
