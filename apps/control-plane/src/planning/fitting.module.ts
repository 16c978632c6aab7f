import { Module } from '@nestjs/common';
import type { ComputeBudget, ScalingLaw } from '@scaleplan/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config.js';
import { BUDGET_FLOPS_RESOLVER, EVENT_BUS, LAW_FITTER } from '../control-plane.tokens.js';
import { ControlPlaneEvents } from '../events/control-plane-events.js';
import type { EventBus } from '../events/event-bus.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { REDIS } from '../redis/redis-connection.js';
import type { ResourceStore } from '../resources/resource-store.js';
import { COMPUTE_BUDGET_STORE, SCALING_LAW_STORE } from '../resources/resource-store.tokens.js';
import { RunStore } from '../scheduling/run-store.js';
import { SchedulingModule } from '../scheduling/scheduling.module.js';
import type { BudgetFlopsResolver } from './budget-flops.js';
import { FitStore } from './fit-store.js';
import type { LawFitter } from './law-fitter.js';
import { LawRefitter } from './law-refitter.js';
import { PlanningModule } from './planning.module.js';
import { RefitScheduler } from './refit-scheduler.js';
import { createLawFitter } from './scaling-laws.adapter.js';

/** Fits: results → debounced refits (`LawRefitter`, its `RefitScheduler`) → the fit store, announced as `LawRefitted`. */
@Module({
  imports: [SchedulingModule, PlanningModule],
  providers: [
    {
      provide: FitStore,
      inject: [REDIS, CONTROL_PLANE_CONFIG],
      useFactory: (redis: Redis, config: ControlPlaneConfig) => new FitStore(redis, config.queuePrefix),
    },
    { provide: LAW_FITTER, useFactory: () => createLawFitter() },
    {
      provide: LawRefitter,
      inject: [
        CONTROL_PLANE_CONFIG,
        SCALING_LAW_STORE,
        COMPUTE_BUDGET_STORE,
        RunStore,
        FitStore,
        LAW_FITTER,
        BUDGET_FLOPS_RESOLVER,
        EVENT_BUS,
        ControlPlaneEvents,
        ROOT_LOGGER,
      ],
      useFactory: (
        config: ControlPlaneConfig,
        laws: ResourceStore<ScalingLaw>,
        budgets: ResourceStore<ComputeBudget>,
        runs: RunStore,
        fits: FitStore,
        fitter: LawFitter,
        resolveFlops: BudgetFlopsResolver,
        bus: EventBus,
        events: ControlPlaneEvents,
        log: Logger,
      ) =>
        new LawRefitter({
          laws,
          budgets,
          runs,
          fits,
          fitter,
          resolveFlops,
          bus,
          events,
          debounceMs: config.tuning.refitDebounceMs,
          log,
        }),
    },
    { provide: RefitScheduler, inject: [LawRefitter], useFactory: (refitter: LawRefitter) => refitter.scheduler },
  ],
  exports: [FitStore, LawRefitter, RefitScheduler],
})
export class FittingModule {}
