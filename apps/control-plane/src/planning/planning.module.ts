import { Module } from '@nestjs/common';
import { BUDGET_FLOPS_RESOLVER, PRESET_CATALOG } from '../control-plane.tokens.js';
import { createBudgetFlopsResolverFromLibrary, createPresetCatalog } from './scaling-laws.adapter.js';

/** What planning reads from the library: the published laws (presets, priors) and budget → FLOPs. */
@Module({
  providers: [
    { provide: PRESET_CATALOG, useFactory: () => createPresetCatalog() },
    { provide: BUDGET_FLOPS_RESOLVER, useFactory: () => createBudgetFlopsResolverFromLibrary() },
  ],
  exports: [PRESET_CATALOG, BUDGET_FLOPS_RESOLVER],
})
export class PlanningModule {}
