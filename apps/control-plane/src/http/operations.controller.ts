import { Controller, Get, Header, Inject, MessageEvent, Res, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { finalize, map, type Observable } from 'rxjs';
import { Public } from '../auth/index.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config.js';
import { ControlPlaneError } from '../control-plane.errors.js';
import { CONTROL_PLANE_METRICS, EVENT_BUS, RUN_QUEUE } from '../control-plane.tokens.js';
import type { EventBus } from '../events/event-bus.js';
import { LEADER_GUARD, type LeaderGuard } from '../leader/leader-guard.js';
import { REDIS } from '../redis/redis-connection.js';
import type { RunQueue } from '../scheduling/run-queue.js';
import type { ControlPlaneMetrics } from './control-plane.metrics.js';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness.js';
import { SseClientLimit } from './sse-client-limit.js';

/**
 * Liveness, readiness (Redis, leadership, plus the mode's checks: the informers in kubernetes mode),
 * Prometheus metrics and the live event stream. Only the probes are public.
 */
@ApiTags('operations')
@Controller()
export class OperationsController {
  private readonly sseClients: SseClientLimit;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(RUN_QUEUE) private readonly queue: RunQueue,
    @Inject(CONTROL_PLANE_METRICS) private readonly metrics: ControlPlaneMetrics,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(READINESS_CHECKS) private readonly checks: readonly ReadinessCheck[],
    @Inject(LEADER_GUARD) private readonly leader: LeaderGuard,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
  ) {
    this.sseClients = new SseClientLimit(config.sseMaxClients);
  }

  @Get('healthz')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process serves requests' })
  healthz(): unknown {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Public()
  @ApiOperation({
    summary:
      'Readiness: Redis answers, the runs queue is reachable, this control plane holds the single-writer role and (kubernetes mode) the informers watch (503 otherwise)',
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
    const leadership = this.leader.status();
    const results = [
      {
        name: 'leadership',
        ready: leadership.state === 'leading' || (leadership.state === 'standby' && this.leader.standbyReady === true),
        message: leadership.message,
        details: leadershipDetails(leadership),
      },
      ...this.checks.map((check) => ({ name: check.name, ...check.check() })),
    ];
    const checks = Object.fromEntries(
      results.map(({ name, ready, message, details }) => [name, { ready, ...(message ? { message } : {}), ...details }]),
    );
    const failing = results.filter((result) => !result.ready);
    if (failing.length > 0) {
      response.status(503);
      return {
        status: leadership.state === 'leading' ? 'unavailable' : leadership.state,
        redis: 'up',
        queue: depth,
        checks,
        message: failing.map((result) => result.message ?? `${result.name} is not ready`).join('; '),
      };
    }
    return { status: 'ok', redis: 'up', queue: depth, checks };
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  async prometheus(@Res() response: Response): Promise<void> {
    response.setHeader('Content-Type', this.metrics.registry.contentType);
    response.send(await this.metrics.registry.metrics());
  }

  @Sse('api/v1/events')
  @Header('X-Accel-Buffering', 'no')
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Server-sent events: resource, run and fit changes (the dashboard's live updates); 503 past SCALEPLAN_SSE_MAX_CLIENTS clients",
  })
  events(@Res({ passthrough: true }) response: Response): Observable<MessageEvent> {
    let release: () => void;
    try {
      release = this.sseClients.acquire();
    } catch (error) {
      if (error instanceof ControlPlaneError) response.setHeader('Retry-After', '5');
      throw error;
    }
    // Nest unsubscribes when the client goes away, which releases its place.
    return this.bus.events.pipe(
      map((event) => ({ type: event.type, data: event })),
      finalize(release),
    );
  }
}

/** Leadership facts shown on /readyz. */
const leadershipDetails = (status: ReturnType<LeaderGuard['status']>): Record<string, unknown> => ({
  state: status.state,
  identity: status.identity,
  ...(status.holder ? { leader: status.holder } : {}),
});
