import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config.js';
import { EVENT_BUS, RUN_QUEUE } from '../control-plane.tokens.js';
import { ControlPlaneEvents } from '../events/control-plane-events.js';
import type { EventBus } from '../events/event-bus.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import { REDIS } from '../redis/redis-connection.js';
import { ResultCollector } from './result-collector.js';
import { RunQueue } from './run-queue.js';
import { RunStore } from './run-store.js';

/** Runs: the BullMQ queue they wait in, their records, and the collector that stores their results (and announces them). */
@Module({
  providers: [
    {
      provide: RUN_QUEUE,
      inject: [CONTROL_PLANE_CONFIG, REDIS],
      useFactory: (config: ControlPlaneConfig, redis: Redis) =>
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
      provide: RunStore,
      inject: [REDIS, CONTROL_PLANE_CONFIG],
      useFactory: (redis: Redis, config: ControlPlaneConfig) => new RunStore(redis, config.queuePrefix),
    },
    {
      provide: ResultCollector,
      inject: [RUN_QUEUE, RunStore, ControlPlaneEvents, EVENT_BUS, ROOT_LOGGER],
      useFactory: (queue: RunQueue, runs: RunStore, events: ControlPlaneEvents, bus: EventBus, log: Logger) =>
        new ResultCollector(queue, runs, events, bus, log.child({ context: 'ResultCollector' })),
    },
  ],
  exports: [RUN_QUEUE, RunStore, ResultCollector],
})
export class SchedulingModule {}
