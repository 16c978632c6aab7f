import { Controller, Get, Header, Inject, MessageEvent, Res, Sse } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { map, type Observable } from 'rxjs';
import { Public } from '../auth/index.js';
import { CONTROL_PLANE_METRICS, EVENT_BUS, RUN_QUEUE } from '../control-plane.tokens.js';
import type { EventBus } from '../events/event-bus.js';
import { REDIS } from '../redis/redis-connection.js';
import type { RunQueue } from '../scheduling/run-queue.js';
import type { ControlPlaneMetrics } from './control-plane.metrics.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness.js';

/** Liveness, readiness (Redis, plus the mode's checks: the informers in kubernetes mode), Prometheus metrics and the live event stream. */
@ApiTags('operations')
@Controller()
export class OperationsController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(RUN_QUEUE) private readonly queue: RunQueue,
    @Inject(CONTROL_PLANE_METRICS) private readonly metrics: ControlPlaneMetrics,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
  ) {}

  @Get('healthz')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process serves requests' })
  healthz(): unknown {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Public()
  @ApiOperation({
    summary: 'Readiness: Redis answers, the runs queue is reachable and (kubernetes mode) the informers watch (503 otherwise)',
  })
  async readyz(@Res({ passthrough: true }) response: Response): Promise<unknown> {
    const timeout = <T>(promise: Promise<T>): Promise<T> =>
      Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out after 2000 ms')), 2000).unref())]);
    let depth: Awaited<ReturnType<RunQueue['depth']>>;
    try {
      await timeout(this.redis.ping());
      depth = await timeout(this.queue.depth());
    } catch (error) {
      response.status(503);
      return { status: 'unavailable', redis: 'down', message: (error as Error).message };
    }
    const results = this.checks.map((check) => ({ name: check.name, ...check.check() }));
    const checks = Object.fromEntries(
      results.map(({ name, ready, message, details }) => [name, { ready, ...(message ? { message } : {}), ...details }]),
    );
    const failing = results.filter((result) => !result.ready);
    if (failing.length > 0) {
      response.status(503);
      return {
        status: 'unavailable',
        redis: 'up',
        queue: depth,
        checks,
        message: failing.map((result) => result.message ?? `${result.name} is not ready`).join('; '),
      };
    }
    return { status: 'ok', redis: 'up', queue: depth, ...(results.length > 0 ? { checks } : {}) };
  }

  @Get('metrics')
  @Public()
  @ApiExcludeEndpoint()
  async prometheus(@Res() response: Response): Promise<void> {
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    response.send(await this.metrics.registry.metrics());
  }

  @Sse('api/v1/events')
  @Public()
  @Header('X-Accel-Buffering', 'no')
  @ApiOperation({ summary: "Server-sent events: resource, run and fit changes (the dashboard's live updates)" })
  events(): Observable<MessageEvent> {
    return this.bus.events.pipe(map((event) => ({ type: event.type, data: event })));
  }
}
