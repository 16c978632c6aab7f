import type { ResourceKind } from '@scaleplan/contracts';
import { Subject, type Observable } from 'rxjs';

/** What the control plane announces on `GET /api/v1/events` (server-sent events). */
export type ControlPlaneEvent =
  | {
      readonly type: 'resource';
      readonly kind: ResourceKind;
      readonly change: 'added' | 'modified' | 'deleted';
      readonly namespace: string;
      readonly name: string;
      readonly phase?: string;
    }
  | {
      readonly type: 'run';
      readonly ownerKind: ResourceKind;
      readonly namespace: string;
      readonly name: string;
      readonly runId: string;
      readonly state: string;
      readonly progress?: number;
      readonly loss?: number;
    }
  | { readonly type: 'fit'; readonly namespace: string; readonly name: string; readonly methods: number[]; readonly runs: number };

/** In-process fan-out of control-plane events (SSE, dashboard). */
export class EventBus {
  private readonly subject = new Subject<ControlPlaneEvent>();

  publish(event: ControlPlaneEvent): void {
    this.subject.next(event);
  }

  get events(): Observable<ControlPlaneEvent> {
    return this.subject.asObservable();
  }

  close(): void {
    this.subject.complete();
  }
}
