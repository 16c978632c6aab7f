import { Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { BullBoardModule } from '@bull-board/nestjs';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { createBearerAuthMiddleware } from '../auth/bearer-auth.middleware.js';
import { DashboardAuthService } from '../auth/dashboard-auth.service.js';
import { createRedisAvailabilityMiddleware } from '../http/redis-availability.middleware.js';
import { FittingModule } from '../planning/fitting.module.js';
import { PlanningModule } from '../planning/planning.module.js';
import { REDIS } from '../redis/redis-connection.js';
import { SchedulingModule } from '../scheduling/scheduling.module.js';
import { DashboardAssets } from './dashboard-assets.js';
import { DashboardAssetsController } from './dashboard-assets.controller.js';
import { DashboardDataController } from './dashboard-data.controller.js';
import { DashboardPagesController } from './dashboard-pages.controller.js';
import { OfflineExpressAdapter } from './offline-express.adapter.js';
import { DASHBOARD_OPTIONS, QueueBoardRegistrar, type DashboardOptions } from './queue-board.js';
import { securityHeaders } from './security-headers.js';

/** Runs express middlewares one after the other (bull-board accepts a single one). */
function chain(...handlers: RequestHandler[]): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const step = (index: number, error?: unknown): void => {
      if (error !== undefined) return next(error);
      const handler = handlers[index];
      if (!handler) return next();
      handler(request, response, (err?: unknown) => step(index + 1, err));
    };
    step(0);
  };
}

/** Path of bull-board. */
export const QUEUES_ROUTE = '/queues';

/**
 * The dashboard: Studies, Study, Budgets and Budget pages at `/`, their plot data and exports under
 * `/dashboard/api`, static assets under `/assets`, bull-board at `/queues` (read-only by default), and
 * helmet's headers with a CSP that needs no `unsafe-eval` on every response of the control plane.
 * Needs the control plane's global providers (Redis, the stores) and `AuthModule`.
 */
@Module({})
export class DashboardModule implements NestModule {
  static forRoot(options: DashboardOptions = {}): DynamicModule {
    return {
      module: DashboardModule,
      imports: [
        SchedulingModule,
        FittingModule,
        PlanningModule,
        BullBoardModule.forRootAsync({
          inject: [DashboardAuthService, REDIS],
          useFactory: (auth: DashboardAuthService, redis: Redis) => ({
            route: QUEUES_ROUTE,
            adapter: OfflineExpressAdapter,
            boardOptions: {
              uiConfig: {
                boardTitle: 'ScalePlan queues',
                miscLinks: [
                  { text: 'Studies', url: '/studies' },
                  { text: 'Budgets', url: '/budgets' },
                ],
                hideDocsLink: true,
              },
            },
            middleware: chain(
              securityHeaders(),
              createBearerAuthMiddleware(auth),
              createRedisAvailabilityMiddleware(redis, 'the queue board'),
            ),
          }),
        }),
      ],
      controllers: [DashboardPagesController, DashboardAssetsController, DashboardDataController],
      providers: [{ provide: DASHBOARD_OPTIONS, useValue: options }, DashboardAssets, QueueBoardRegistrar],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(securityHeaders()).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
