import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import type { ComputeBudget, ScalingLaw } from '@scaleplan/contracts';
import { COMPUTE_BUDGET_GVR, ResourceKind, SCALING_LAW_GVR } from '@scaleplan/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AuthModule, RedisSessionStore } from './auth/index.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from './config/control-plane.config.js';
import { ControlPlaneCore } from './control-plane.core.js';
import {
  BUDGET_FLOPS_RESOLVER,
  CONTROL_PLANE_CORE,
  CONTROL_PLANE_METRICS,
  EVENT_BUS,
  LAW_FITTER,
  PRESET_CATALOG,
  RUN_QUEUE,
} from './control-plane.tokens.js';
import { LocalWorkerDispatcher } from './dispatch/local-worker-dispatcher.js';
import { WORKER_DISPATCHER, type WorkerDispatcher } from './dispatch/worker-dispatcher.js';
import { EventBus } from './events/event-bus.js';
import { AllocationsController } from './http/allocations.controller.js';
import { ControlPlaneMetrics } from './http/control-plane.metrics.js';
import { OperationsController } from './http/operations.controller.js';
import { READINESS_CHECKS, type ReadinessCheck } from './http/readiness.js';
import { ComputeBudgetsController, ScalingLawsController } from './http/resources.controller.js';
import { LEADER_GUARD } from './leader/leader-guard.js';
import { RedisLeaseLeaderGuard } from './leader/redis-lease-leader-guard.js';
import { ROOT_LOGGER } from './logging/logger.js';
import type { BudgetFlopsResolver } from './planning/budget-flops.js';
import type { LawFitter } from './planning/law-fitter.js';
import type { PresetCatalog } from './planning/presets.js';
import { createBudgetFlopsResolverFromLibrary, createLawFitter, createPresetCatalog } from './planning/scaling-laws.adapter.js';
import { REDIS } from './redis/redis-connection.js';
import { RedisResourceStore } from './resources/redis-resource-store.js';
import type { ResourceStore } from './resources/resource-store.js';
import { COMPUTE_BUDGET_STORE, SCALING_LAW_STORE } from './resources/resource-store.tokens.js';
import { RunQueue } from './scheduling/run-queue.js';
import { localWorkerOptions } from './dispatch/local-worker-options.js';

/**
 * What other parts of the control plane plug in at run time (the Kubernetes mode swaps the stores and
 * the dispatcher; the dashboard adds its module). Later providers with the same token win.
 */
export interface ControlPlaneExtensions {
  readonly imports?: ModuleMetadata['imports'];
  readonly providers?: Provider[];
  readonly controllers?: ModuleMetadata['controllers'];
}

/** The control plane, built from its configuration (dispatch mode, stores and prefix are chosen at run time). */
@Module({})
export class ControlPlaneModule {
  static forRoot(config: ControlPlaneConfig, redis: Redis, log: Logger, extensions: ControlPlaneExtensions = {}): DynamicModule {
    const providers: Provider[] = [
      { provide: CONTROL_PLANE_CONFIG, useValue: config },
      { provide: ROOT_LOGGER, useValue: log },
      { provide: REDIS, useValue: redis },
      { provide: EVENT_BUS, useFactory: () => new EventBus() },
      {
        provide: SCALING_LAW_STORE,
        useFactory: () => new RedisResourceStore<ScalingLaw>(redis, config.queuePrefix, ResourceKind.ScalingLaw, SCALING_LAW_GVR.plural),
      },
      {
        provide: COMPUTE_BUDGET_STORE,
        useFactory: () =>
          new RedisResourceStore<ComputeBudget>(redis, config.queuePrefix, ResourceKind.ComputeBudget, COMPUTE_BUDGET_GVR.plural),
      },
      {
        provide: RUN_QUEUE,
        useFactory: () =>
          new RunQueue(
            // Auto-pipelining batches the many small commands of getJobs/remove into few socket writes.
            {
              url: config.redisUrl,
              maxRetriesPerRequest: 1,
              enableAutoPipelining: true,
              retryStrategy: (attempt: number) => Math.min(2000, 100 * attempt),
            } as { url: string },
            config.queuePrefix,
            redis,
            { attempts: config.tuning.runAttempts, backoffMs: config.tuning.runBackoffMs },
          ),
      },
      {
        provide: WORKER_DISPATCHER,
        useFactory: (): WorkerDispatcher =>
          new LocalWorkerDispatcher(localWorkerOptions(config), log.child({ context: 'LocalWorkerDispatcher' })),
      },
      { provide: READINESS_CHECKS, useValue: [] satisfies ReadinessCheck[] },
      {
        provide: LEADER_GUARD,
        useFactory: () =>
          new RedisLeaseLeaderGuard(
            redis,
            { key: `${config.queuePrefix}:cp:leader`, leaseMs: config.leaderLeaseSeconds * 1000 },
            log.child({ context: 'RedisLeaseLeaderGuard' }),
          ),
      },
      { provide: PRESET_CATALOG, useFactory: () => createPresetCatalog() },
      { provide: LAW_FITTER, useFactory: () => createLawFitter() },
      { provide: BUDGET_FLOPS_RESOLVER, useFactory: () => createBudgetFlopsResolverFromLibrary() },
      {
        provide: CONTROL_PLANE_METRICS,
        inject: [RUN_QUEUE, COMPUTE_BUDGET_STORE],
        useFactory: (queue: RunQueue, budgets: ResourceStore<ComputeBudget>) =>
          new ControlPlaneMetrics(
            () => queue.depth(),
            () => budgets,
          ),
      },
      {
        provide: CONTROL_PLANE_CORE,
        inject: [
          SCALING_LAW_STORE,
          COMPUTE_BUDGET_STORE,
          RUN_QUEUE,
          WORKER_DISPATCHER,
          EVENT_BUS,
          CONTROL_PLANE_METRICS,
          LAW_FITTER,
          PRESET_CATALOG,
          BUDGET_FLOPS_RESOLVER,
        ],
        useFactory: (
          laws: ResourceStore<ScalingLaw>,
          budgets: ResourceStore<ComputeBudget>,
          queue: RunQueue,
          dispatcher: WorkerDispatcher,
          bus: EventBus,
          metrics: ControlPlaneMetrics,
          fitter: LawFitter,
          presets: PresetCatalog,
          resolveFlops: BudgetFlopsResolver,
        ) =>
          new ControlPlaneCore({
            config,
            redis,
            laws,
            budgets,
            queue,
            dispatcher,
            bus,
            metrics,
            fitter,
            presets,
            resolveFlops,
            log: log.child({ context: 'ControlPlaneCore' }),
          }),
      },
      ...(extensions.providers ?? []),
    ];
    return {
      module: ControlPlaneModule,
      imports: [
        // Every route needs the token (or a login session) except the probes, the login form and static assets.
        AuthModule.forRoot({
          token: config.dashboardToken,
          sessions: new RedisSessionStore(redis, config.queuePrefix),
          failureLimits: { failures: config.tuning.authFailuresPerWindow, windowSeconds: config.tuning.authFailureWindowSeconds },
          protectAllRoutes: true,
        }),
        DashboardModule.forRoot(),
        ...(extensions.imports ?? []),
      ],
      controllers: [
        ScalingLawsController,
        ComputeBudgetsController,
        AllocationsController,
        OperationsController,
        ...(extensions.controllers ?? []),
      ],
      providers,
      exports: [
        CONTROL_PLANE_CONFIG,
        ROOT_LOGGER,
        REDIS,
        EVENT_BUS,
        SCALING_LAW_STORE,
        COMPUTE_BUDGET_STORE,
        RUN_QUEUE,
        WORKER_DISPATCHER,
        CONTROL_PLANE_CORE,
        CONTROL_PLANE_METRICS,
        READINESS_CHECKS,
        LEADER_GUARD,
        PRESET_CATALOG,
        BUDGET_FLOPS_RESOLVER,
      ],
      global: true,
    };
  }
}
