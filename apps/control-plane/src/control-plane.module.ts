import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import type { ComputeBudget } from '@scaleplan/contracts';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AuthModule, RedisSessionStore } from './auth/index.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from './config/control-plane.config.js';
import { ControlLoops } from './control-loops.js';
import { CONTROL_PLANE_METRICS, EVENT_BUS, RUN_QUEUE } from './control-plane.tokens.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DispatchModule } from './dispatch/dispatch.module.js';
import { WORKER_DISPATCHER } from './dispatch/worker-dispatcher.js';
import { ControlPlaneEvents } from './events/control-plane-events.js';
import { EventBus } from './events/event-bus.js';
import { AllocationsController } from './http/allocations.controller.js';
import { ControlPlaneMetrics } from './http/control-plane.metrics.js';
import { OperationsController } from './http/operations.controller.js';
import { READINESS_CHECKS, type ReadinessCheck } from './http/readiness.js';
import { ComputeBudgetsController, ScalingLawsController } from './http/resources.controller.js';
import { LEADER_GUARD } from './leader/leader-guard.js';
import { RedisLeaseLeaderGuard } from './leader/redis-lease-leader-guard.js';
import { ROOT_LOGGER } from './logging/logger.js';
import { FittingModule } from './planning/fitting.module.js';
import { PlanningModule } from './planning/planning.module.js';
import { ReconcileModule } from './reconcile/reconcile.module.js';
import { REDIS } from './redis/redis-connection.js';
import type { ResourceStore } from './resources/resource-store.js';
import { COMPUTE_BUDGET_STORE, SCALING_LAW_STORE } from './resources/resource-store.tokens.js';
import { ResourcesModule } from './resources/resources.module.js';
import type { RunQueue } from './scheduling/run-queue.js';
import { SchedulingModule } from './scheduling/scheduling.module.js';

/**
 * What other parts of the control plane plug in at run time (the Kubernetes mode swaps the stores and
 * the dispatcher; the dashboard adds its module). Later providers with the same token win: a provider for
 * a token that one of the control plane's modules owns (the stores, the dispatcher) replaces that module's
 * default there, any other joins the root module.
 */
export interface ControlPlaneExtensions {
  readonly imports?: ModuleMetadata['imports'];
  readonly providers?: Provider[];
  readonly controllers?: ModuleMetadata['controllers'];
}

/** What every module of the control plane shares: configuration, logger, Redis and the two event buses. */
@Module({})
class InfrastructureModule {
  static forRoot(config: ControlPlaneConfig, redis: Redis, log: Logger): DynamicModule {
    return {
      module: InfrastructureModule,
      global: true,
      providers: [
        { provide: CONTROL_PLANE_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: log },
        { provide: REDIS, useValue: redis },
        { provide: EVENT_BUS, useFactory: () => new EventBus() },
        { provide: ControlPlaneEvents, useFactory: () => new ControlPlaneEvents(log.child({ context: 'ControlPlaneEvents' })) },
      ],
      exports: [CONTROL_PLANE_CONFIG, ROOT_LOGGER, REDIS, EVENT_BUS, ControlPlaneEvents],
    };
  }
}

const tokenOf = (provider: Provider): unknown => (typeof provider === 'function' ? provider : provider.provide);

/** Splits `providers` into those for one of `tokens` and the rest. */
function split(providers: readonly Provider[], tokens: readonly unknown[]): [Provider[], Provider[]] {
  const owned = providers.filter((p) => tokens.includes(tokenOf(p)));
  return [owned, providers.filter((p) => !owned.includes(p))];
}

/**
 * The control plane, built from its configuration (dispatch mode, stores and prefix are chosen at run time):
 * resources, scheduling (queue, run records, results), planning, fitting (refits), reconciling and dispatch,
 * each its own module, talking through `ControlPlaneEvents`; REST, dashboard, auth and the control loops'
 * lifecycle (`ControlLoops`) on top.
 */
@Module({})
export class ControlPlaneModule {
  static forRoot(config: ControlPlaneConfig, redis: Redis, log: Logger, extensions: ControlPlaneExtensions = {}): DynamicModule {
    const [storeOverrides, others] = split(extensions.providers ?? [], [SCALING_LAW_STORE, COMPUTE_BUDGET_STORE]);
    const [dispatcherOverrides, rootExtensions] = split(others, [WORKER_DISPATCHER]);
    return {
      module: ControlPlaneModule,
      imports: [
        InfrastructureModule.forRoot(config, redis, log),
        ResourcesModule.forRoot(storeOverrides),
        SchedulingModule,
        PlanningModule,
        FittingModule,
        ReconcileModule,
        DispatchModule.forRoot(dispatcherOverrides),
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
      providers: [
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
        {
          provide: CONTROL_PLANE_METRICS,
          inject: [RUN_QUEUE, COMPUTE_BUDGET_STORE, ControlPlaneEvents],
          useFactory: (queue: RunQueue, budgets: ResourceStore<ComputeBudget>, events: ControlPlaneEvents) =>
            new ControlPlaneMetrics(
              () => queue.depth(),
              () => budgets,
              events,
            ),
        },
        ControlLoops,
        ...rootExtensions,
      ],
    };
  }
}
