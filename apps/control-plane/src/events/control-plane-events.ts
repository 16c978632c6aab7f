import type { ObjectRef, RunRecord } from '@scaleplan/contracts';
import type { Logger } from 'pino';
import { Subject } from 'rxjs';
import type { RunOwnerKind } from '../scheduling/run-store.js';

/**
 * What the control plane's parts tell each other, in process (the dashboard's server-sent events are
 * `EventBus`'s): results → refits and reconciles, refits → reconciles, anything that changes the queue's
 * demand → dispatch.
 */
export type ControlPlaneSignal =
  /** Results of an owner's runs were stored (the records as stored). */
  | { readonly type: 'RunsFinished'; readonly ownerKind: RunOwnerKind; readonly owner: ObjectRef; readonly runs: readonly RunRecord[] }
  /** An owner's runs started or reported progress (only the counts of its status changed). */
  | { readonly type: 'RunsProgressed'; readonly ownerKind: RunOwnerKind; readonly owner: ObjectRef }
  /** A study's fit was stored (`seconds`: wall time of the fit). */
  | { readonly type: 'LawRefitted'; readonly ref: ObjectRef; readonly seconds: number }
  /** Runs may have been queued or cancelled (a reconcile finished). */
  | { readonly type: 'DemandChanged' };

type SignalOf<T extends ControlPlaneSignal['type']> = Extract<ControlPlaneSignal, { type: T }>;

/** In-process, synchronous fan-out of `ControlPlaneSignal`s; a handler that throws is logged, never breaks the publisher. */
export class ControlPlaneEvents {
  private readonly subject = new Subject<ControlPlaneSignal>();

  constructor(private readonly log: Logger) {}

  publish(event: ControlPlaneSignal): void {
    this.subject.next(event);
  }

  /** Calls `handler` with every event of `type`; returns the unsubscribe function. */
  on<T extends ControlPlaneSignal['type']>(type: T, handler: (event: SignalOf<T>) => void): () => void {
    const subscription = this.subject.subscribe((event) => {
      if (event.type !== type) return;
      try {
        handler(event as SignalOf<T>);
      } catch (error) {
        this.log.error({ err: error, event: type }, 'Failed to handle a control-plane event');
      }
    });
    return () => subscription.unsubscribe();
  }

  close(): void {
    this.subject.complete();
  }
}
