import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { InjectBullBoard, type BullBoardInstance } from '@bull-board/nestjs';
import { RUN_QUEUE } from '../control-plane.tokens.js';
import type { RunQueue } from '../scheduling/run-queue.js';

/** DI token of the dashboard options. */
export const DASHBOARD_OPTIONS = Symbol('DASHBOARD_OPTIONS');

/** Options of {@link DashboardModule}. */
export interface DashboardOptions {
  /**
   * Let bull-board retry, promote, clean and remove jobs. Off by default: runs are owned by the
   * control plane, and editing its queue by hand can make the study's records disagree with it.
   * @default true
   */
  readonly queuesReadOnly?: boolean;
}

/** Puts the runs queue on the bull-board at `/queues` (the queue instance comes from the control plane). */
@Injectable()
export class QueueBoardRegistrar implements OnModuleInit {
  constructor(
    @InjectBullBoard() private readonly board: BullBoardInstance,
    @Inject(RUN_QUEUE) private readonly runQueue: RunQueue,
    @Inject(DASHBOARD_OPTIONS) private readonly options: DashboardOptions,
  ) {}

  onModuleInit(): void {
    const readOnlyMode = this.options.queuesReadOnly ?? true;
    this.board.addQueue(
      new BullMQAdapter(this.runQueue.queue, {
        readOnlyMode,
        allowRetries: !readOnlyMode,
        description: 'Training runs: IsoFLOP sweep points and final runs (final runs have priority 1)',
      }),
    );
  }
}
