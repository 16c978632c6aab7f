import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { isIPv6 } from 'node:net';
import { REQUEST_LIMITS, type ComputeBudget, type ScalingLaw } from '@scaleplan/contracts';
import express from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loadControlPlaneConfig, type ControlPlaneConfig, type ControlPlaneTuning } from './config/control-plane.config.js';
import { ControlLoops } from './control-loops.js';
import { ControlPlaneModule, type ControlPlaneExtensions } from './control-plane.module.js';
import { CONTROL_PLANE_METRICS, RUN_QUEUE } from './control-plane.tokens.js';
import { createBearerAuthMiddleware, DashboardAuthService } from './auth/index.js';
import { WORKER_DISPATCHER, type WorkerDispatcher } from './dispatch/worker-dispatcher.js';
import type { ControlPlaneMetrics } from './http/control-plane.metrics.js';
import { ControlPlaneExceptionFilter, requestBodyErrorResponse } from './http/control-plane-exception.filter.js';
import { ObjectPathPipe } from './http/object-path.pipe.js';
import { LEADER_GUARD, type LeaderGuard } from './leader/leader-guard.js';
import { createStandbyGate } from './leader/standby-gate.js';
import { createRootLogger } from './logging/logger.js';
import { extensionsForDispatch } from './kube/kubernetes.module.js';
import { FitStore } from './planning/fit-store.js';
import { connectOrFail, createRedis, deleteKeysWithPrefix } from './redis/redis-connection.js';
import type { ResourceStore } from './resources/resource-store.js';
import { COMPUTE_BUDGET_STORE, SCALING_LAW_STORE } from './resources/resource-store.tokens.js';
import type { RunQueue } from './scheduling/run-queue.js';
import { RunStore } from './scheduling/run-store.js';

/** Overrides of `startControlPlane` (the environment fills in the rest). */
export interface ControlPlaneOverrides extends Partial<Omit<ControlPlaneConfig, 'tuning'>> {
  readonly tuning?: Partial<ControlPlaneTuning>;
  /** Environment to read instead of process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Modules/providers other parts plug in (kubernetes stores and dispatcher, dashboard). */
  readonly extensions?: ControlPlaneExtensions;
  /** Where logs go. @default stdout */
  readonly logDestination?: NodeJS.WritableStream;
  /**
   * Called when another control plane took the single-writer role from this one (the control loops have
   * stopped; the process should exit so that a supervisor restarts it). @default logs it
   */
  readonly onLostLeadership?: (reason: string) => void;
}

/** A running control plane. */
export interface RunningControlPlane {
  readonly app: INestApplication;
  /** Base URL, e.g. http://127.0.0.1:8080 */
  readonly url: string;
  readonly config: ControlPlaneConfig;
  readonly log: Logger;
  /** The ScalingLaw and ComputeBudget stores. */
  readonly laws: ResourceStore<ScalingLaw>;
  readonly budgets: ResourceStore<ComputeBudget>;
  /** Run records (with their loss curves) of every study and budget. */
  readonly runs: RunStore;
  /** The latest fit of every study. */
  readonly fits: FitStore;
  /** The BullMQ queue of training runs. */
  readonly queue: RunQueue;
  readonly dispatcher: WorkerDispatcher;
  readonly metrics: ControlPlaneMetrics;
  /** Resolves when no reconcile, refit or result collection is pending (tests, bench). */
  settle(): Promise<void>;
  /**
   * Stops workers, listeners, the HTTP server and the Redis connections; with `deleteData`, deletes every
   * Redis key of the prefix first (studies, budgets, runs, fits, the queue).
   */
  close(options?: { readonly deleteData?: boolean }): Promise<void>;
}

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** Host a local client uses to reach a server bound to `bind` (the wildcard addresses answer on loopback). */
const reachableHost = (bind: string): string => {
  if (bind === '0.0.0.0' || bind === '::' || bind === 'localhost') return '127.0.0.1';
  return isIPv6(bind) ? `[${bind}]` : bind;
};

/**
 * Starts the control plane: validates the environment, connects to Redis (a clear error when it is
 * unreachable), builds the module for the configured dispatch mode, serves REST, /docs, /healthz,
 * /readyz and /metrics, and starts the control loops. Used by main.ts, `scaleplan serve`, the demo
 * and the e2e tests.
 */
export async function startControlPlane(overrides: ControlPlaneOverrides = {}): Promise<RunningControlPlane> {
  const { env, extensions, logDestination, onLostLeadership, ...configOverrides } = overrides;
  const config = loadControlPlaneConfig(env ?? process.env, configOverrides);
  const log = createRootLogger(config.logLevel, logDestination);
  const redis: Redis = createRedis(config.redisUrl);
  redis.on('error', (error) => log.debug({ err: error }, 'Lost the Redis connection'));
  await connectOrFail(redis, config.redisUrl);

  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(ControlPlaneModule.forRoot(config, redis, log, extensionsForDispatch(config, log, extensions)), {
      logger: false,
      bodyParser: false,
    });
    const leader = app.get<LeaderGuard>(LEADER_GUARD);
    app.use(createStandbyGate(leader, config.leaderLeaseSeconds));
    // Swagger's routes are plain Express routes that Nest's guard never sees.
    app.use(['/docs', '/docs-json', '/docs-yaml'], createBearerAuthMiddleware(app.get(DashboardAuthService)));
    // The admission contract's body limits (libs/contracts admission-limits.ts): YAML costs more to parse than JSON.
    app.use(express.json({ limit: REQUEST_LIMITS.maxJsonBodyBytes }));
    app.use(express.text({ type: YAML_TYPES, limit: REQUEST_LIMITS.maxYamlBytes }));
    // Body-parser errors (malformed JSON, too large) happen before Nest's filters: answer them in the same shape.
    app.use((error: unknown, _request: express.Request, response: express.Response, next: express.NextFunction) => {
      const bodyError = requestBodyErrorResponse(error);
      if (!bodyError) return next(error);
      response.status(bodyError.status).json(bodyError.body);
    });
    app.useGlobalFilters(new ControlPlaneExceptionFilter(log.child({ context: 'ControlPlaneExceptionFilter' })));
    app.useGlobalPipes(new ObjectPathPipe());
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('ScalePlan control plane')
        .setDescription(
          'Compute-optimal allocations (Hoffmann et al. 2022) measured by IsoFLOP sweeps. Mutating calls need "Authorization: Bearer <SCALEPLAN_DASHBOARD_TOKEN>".',
        )
        .setVersion('v1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, document);
    await app.init();
    const loops = app.get(ControlLoops);
    const queue = app.get<RunQueue>(RUN_QUEUE);
    // The control loops run only in the one process that holds the prefix's single-writer role.
    await leader.start({
      onStartedLeading: () => loops.start(),
      onStoppedLeading: (reason) => {
        void loops
          .stop()
          .finally(() => (onLostLeadership ?? ((why: string) => log.error({ reason: why }, 'Stopped the control loops')))(reason));
      },
    });
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address() as { port: number };
    const url = `http://${reachableHost(config.host)}:${address.port}`;
    log.info(
      { url, bind: config.host, dispatch: config.dispatch, prefix: config.queuePrefix, leadership: leader.status().state },
      'Started control plane',
    );
    if (config.dashboardTokenGenerated)
      log.info({ token: config.dashboardToken }, 'Generated a dashboard token (set SCALEPLAN_DASHBOARD_TOKEN to choose one)');
    let closing: Promise<void> | undefined;
    const running: RunningControlPlane = {
      app,
      url,
      config,
      log,
      laws: app.get<ResourceStore<ScalingLaw>>(SCALING_LAW_STORE),
      budgets: app.get<ResourceStore<ComputeBudget>>(COMPUTE_BUDGET_STORE),
      runs: app.get(RunStore),
      fits: app.get(FitStore),
      queue,
      dispatcher: app.get<WorkerDispatcher>(WORKER_DISPATCHER),
      metrics: app.get<ControlPlaneMetrics>(CONTROL_PLANE_METRICS),
      settle: () => loops.settle(),
      close: (options = {}) => {
        closing ??= (async () => {
          await loops.stop();
          await leader.stop();
          await app?.close();
          await queue.close();
          try {
            if (options.deleteData) await deleteKeysWithPrefix(redis, config.queuePrefix);
          } finally {
            redis.disconnect();
          }
          log.info({}, 'Stopped control plane');
        })();
        return closing;
      },
    };
    return running;
  } catch (error) {
    await app?.close().catch(() => undefined);
    redis.disconnect();
    throw error;
  }
}
