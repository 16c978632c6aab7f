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

/** Liveness, readiness (Redis included), Prometheus metrics and the live event stream. */
@ApiTags('operations')
@Controller()
export class OperationsController {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(RUN_QUEUE) private readonly queue: RunQueue,
    @Inject(CONTROL_PLANE_METRICS) private readonly metrics: ControlPlaneMetrics,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  @Get('healthz')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process serves requests' })
  healthz(): unknown {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Public()
  @ApiOperation({ summary: 'Readiness: Redis answers and the runs queue is reachable (503 otherwise)' })
  async readyz(@Res({ passthrough: true }) response: Response): Promise<unknown> {
    const timeout = <T>(promise: Promise<T>): Promise<T> =>
      Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timed out after 2000 ms')), 2000).unref())]);
    try {
      await timeout(this.redis.ping());
      const depth = await timeout(this.queue.depth());
      return { status: 'ok', redis: 'up', queue: depth };
    } catch (error) {
      response.status(503);
      return { status: 'unavailable', redis: 'down', message: (error as Error).message };
    }
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
  @ApiOperation({ summary: 'Server-sent events: resource, run and fit changes (the dashboard\'s live updates)' })
  events(): Observable<MessageEvent> {
    return this.bus.events.pipe(map((event) => ({ type: event.type, data: event })));
  }
}
