import { Module } from '@nestjs/common';
import type { ComputeBudget, ScalingLaw } from '@scaleplan/contracts';
import type { Logger } from 'pino';
import { ComputeBudgetReconciler } from '../budgets/compute-budget.reconciler.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config.js';
import { BUDGET_FLOPS_RESOLVER, EVENT_BUS, PRESET_CATALOG, RUN_QUEUE } from '../control-plane.tokens.js';
import { ControlPlaneEvents } from '../events/control-plane-events.js';
import type { EventBus } from '../events/event-bus.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import type { BudgetFlopsResolver } from '../planning/budget-flops.js';
import { FitStore } from '../planning/fit-store.js';
import { FittingModule } from '../planning/fitting.module.js';
import { PlanningModule } from '../planning/planning.module.js';
import type { PresetCatalog } from '../planning/presets.js';
import { RefitScheduler } from '../planning/refit-scheduler.js';
import type { ResourceStore } from '../resources/resource-store.js';
import { COMPUTE_BUDGET_STORE, SCALING_LAW_STORE } from '../resources/resource-store.tokens.js';
import { ScalingLawReconciler } from '../scaling-laws/scaling-law.reconciler.js';
import { ResultCollector } from '../scheduling/result-collector.js';
import type { RunQueue } from '../scheduling/run-queue.js';
import { RunStore } from '../scheduling/run-store.js';
import { SchedulingModule } from '../scheduling/scheduling.module.js';
import { ReconcileLoop } from './reconcile-loop.js';

/** The two reconcilers and the loop that feeds them (store changes, results, refits, resync). */
@Module({
  imports: [SchedulingModule, FittingModule, PlanningModule],
  providers: [
    {
      provide: ScalingLawReconciler,
      inject: [
        CONTROL_PLANE_CONFIG,
        SCALING_LAW_STORE,
        RunStore,
        RUN_QUEUE,
        FitStore,
        RefitScheduler,
        PRESET_CATALOG,
        ResultCollector,
        ROOT_LOGGER,
      ],
      useFactory: (
        config: ControlPlaneConfig,
        laws: ResourceStore<ScalingLaw>,
        runs: RunStore,
        queue: RunQueue,
        fits: FitStore,
        refits: RefitScheduler,
        presets: PresetCatalog,
        collector: ResultCollector,
        log: Logger,
      ) =>
        new ScalingLawReconciler({
          laws,
          runs,
          queue,
          fits,
          refits,
          presets,
          retainResults: config.resultRetention === 'keep',
          findLostRuns: (records) => collector.lostJobs(records),
          lostCheckMs: config.tuning.resyncSeconds * 1000,
          log: log.child({ context: 'ScalingLawReconciler' }),
        }),
    },
    {
      provide: ComputeBudgetReconciler,
      inject: [
        CONTROL_PLANE_CONFIG,
        COMPUTE_BUDGET_STORE,
        SCALING_LAW_STORE,
        RunStore,
        RUN_QUEUE,
        FitStore,
        PRESET_CATALOG,
        BUDGET_FLOPS_RESOLVER,
        ROOT_LOGGER,
      ],
      useFactory: (
        config: ControlPlaneConfig,
        budgets: ResourceStore<ComputeBudget>,
        laws: ResourceStore<ScalingLaw>,
        runs: RunStore,
        queue: RunQueue,
        fits: FitStore,
        presets: PresetCatalog,
        resolveFlops: BudgetFlopsResolver,
        log: Logger,
      ) =>
        new ComputeBudgetReconciler({
          budgets,
          laws,
          runs,
          queue,
          fits,
          presets,
          resolveFlops,
          retainResults: config.resultRetention === 'keep',
          log: log.child({ context: 'ComputeBudgetReconciler' }),
        }),
    },
    {
      provide: ReconcileLoop,
      inject: [
        CONTROL_PLANE_CONFIG,
        SCALING_LAW_STORE,
        COMPUTE_BUDGET_STORE,
        ScalingLawReconciler,
        ComputeBudgetReconciler,
        EVENT_BUS,
        ControlPlaneEvents,
        ROOT_LOGGER,
      ],
      useFactory: (
        config: ControlPlaneConfig,
        laws: ResourceStore<ScalingLaw>,
        budgets: ResourceStore<ComputeBudget>,
        lawReconciler: ScalingLawReconciler,
        budgetReconciler: ComputeBudgetReconciler,
        bus: EventBus,
        events: ControlPlaneEvents,
        log: Logger,
      ) =>
        new ReconcileLoop(
          laws,
          budgets,
          lawReconciler,
          budgetReconciler,
          bus,
          events,
          log.child({ context: 'ReconcileLoop' }),
          config.tuning.resyncSeconds,
        ),
    },
  ],
  exports: [ReconcileLoop],
})
export class ReconcileModule {}
