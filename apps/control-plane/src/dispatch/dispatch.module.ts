import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config.js';
import { RUN_QUEUE } from '../control-plane.tokens.js';
import { ControlPlaneEvents } from '../events/control-plane-events.js';
import { ROOT_LOGGER } from '../logging/logger.js';
import type { RunQueue } from '../scheduling/run-queue.js';
import { SchedulingModule } from '../scheduling/scheduling.module.js';
import { DispatchLoop } from './dispatch-loop.js';
import { LocalWorkerDispatcher } from './local-worker-dispatcher.js';
import { localWorkerOptions } from './local-worker-options.js';
import { WORKER_DISPATCHER, type WorkerDispatcher } from './worker-dispatcher.js';

/**
 * Workers for the queue's demand: the `WorkerDispatcher` (local child processes by default; `overrides`
 * swap it, e.g. kubernetes mode's) and the `DispatchLoop` that calls it periodically and whenever results,
 * progress or reconciles change the demand.
 */
@Module({})
export class DispatchModule {
  static forRoot(overrides: Provider[] = []): DynamicModule {
    return {
      module: DispatchModule,
      imports: [SchedulingModule],
      providers: [
        {
          provide: WORKER_DISPATCHER,
          inject: [CONTROL_PLANE_CONFIG, ROOT_LOGGER],
          useFactory: (config: ControlPlaneConfig, log: Logger): WorkerDispatcher =>
            new LocalWorkerDispatcher(localWorkerOptions(config), log.child({ context: 'LocalWorkerDispatcher' })),
        },
        ...overrides,
        {
          provide: DispatchLoop,
          inject: [RUN_QUEUE, WORKER_DISPATCHER, ControlPlaneEvents, ROOT_LOGGER],
          useFactory: (queue: RunQueue, dispatcher: WorkerDispatcher, events: ControlPlaneEvents, log: Logger) => {
            const loop = new DispatchLoop(() => queue.demand(), dispatcher, log.child({ context: 'DispatchLoop' }));
            // Kicks before the loop starts (and after it closes) do nothing.
            for (const type of ['RunsFinished', 'RunsProgressed', 'DemandChanged'] as const) events.on(type, () => loop.kick());
            return loop;
          },
        },
      ],
      exports: [WORKER_DISPATCHER, DispatchLoop],
    };
  }
}
