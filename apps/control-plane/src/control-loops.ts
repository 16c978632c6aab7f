import { Inject, Injectable } from '@nestjs/common';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from './config/control-plane.config.js';
import { DispatchLoop } from './dispatch/dispatch-loop.js';
import { LawRefitter } from './planning/law-refitter.js';
import { ReconcileLoop } from './reconcile/reconcile-loop.js';
import { ResultCollector } from './scheduling/result-collector.js';

/**
 * Starts and stops the control loops — result collection, refits, reconciles, dispatch — which run only in
 * the control plane that holds the single-writer role (bootstrap.ts starts them when it leads).
 */
@Injectable()
export class ControlLoops {
  private started = false;

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @Inject(ResultCollector) private readonly collector: ResultCollector,
    @Inject(LawRefitter) private readonly refitter: LawRefitter,
    @Inject(ReconcileLoop) private readonly loop: ReconcileLoop,
    @Inject(DispatchLoop) private readonly dispatch: DispatchLoop,
  ) {}

  /** Starts listening for results, refitting, reconciling and (unless `tuning.disableDispatch`) dispatching. */
  start(): void {
    if (this.started) return;
    this.started = true;
    // Listeners first, then the collector that announces results.
    this.refitter.start();
    this.loop.start();
    this.collector.start();
    if (!this.config.tuning.disableDispatch) this.dispatch.start();
  }

  /** Resolves when no reconcile, refit or result collection is pending (tests, bench). */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await this.collector.drain();
      await this.refitter.scheduler.whenIdle();
      await this.loop.whenIdle();
    }
  }

  async stop(): Promise<void> {
    await this.dispatch.close();
    await this.collector.close();
    await this.refitter.close();
    await this.loop.close();
  }
}
