import { randomBytes } from 'node:crypto';
import { type CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Logger } from 'pino';

/** The object an Event is about. */
export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly uid?: string; readonly resourceVersion?: string };
}

export type EventType = 'Normal' | 'Warning';

/** Component name shown in `kubectl describe` (Events: From). */
export const EVENT_SOURCE = 'scaleplan-control-plane';

interface Recorded {
  readonly name: string;
  readonly namespace: string;
  count: number;
}

// Remembered events per (object, reason, message), so a repeat bumps `count` like client-go's correlator.
const MAX_REMEMBERED = 1000;

/**
 * Writes core/v1 Events so that `kubectl describe` tells the story of a resource. Never throws: an Event
 * that can't be written is logged and dropped (events are best-effort in Kubernetes too).
 */
export class KubeEventRecorder {
  private readonly recorded = new Map<string, Recorded>();

  constructor(
    private readonly core: Pick<CoreV1Api, 'createNamespacedEvent' | 'patchNamespacedEvent'>,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = subject.metadata.namespace ?? 'default';
    const key = `${subject.metadata.uid ?? `${namespace}/${subject.metadata.name}`}|${type}|${reason}|${message}`;
    const timestamp = this.now();
    const previous = this.recorded.get(key);
    try {
      if (previous) {
        previous.count += 1;
        await this.core.patchNamespacedEvent(
          { name: previous.name, namespace: previous.namespace, body: { count: previous.count, lastTimestamp: timestamp.toISOString() } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        return;
      }
      const name = `${subject.metadata.name}.${randomBytes(8).toString('hex')}`;
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: subject.apiVersion,
            kind: subject.kind,
            name: subject.metadata.name,
            namespace,
            uid: subject.metadata.uid,
            resourceVersion: subject.metadata.resourceVersion,
          },
          type,
          reason,
          message,
          count: 1,
          firstTimestamp: timestamp,
          lastTimestamp: timestamp,
          source: { component: EVENT_SOURCE },
          reportingComponent: EVENT_SOURCE,
          reportingInstance: EVENT_SOURCE,
        },
      });
      this.remember(key, { name, namespace, count: 1 });
    } catch (error) {
      if (previous) this.recorded.delete(key); // the event may have been deleted (TTL); the next one creates anew
      this.log.warn(
        { err: (error as Error).message, object: `${namespace}/${subject.metadata.name}`, kind: subject.kind, reason },
        'Failed to record Event',
      );
    }
  }

  private remember(key: string, value: Recorded): void {
    this.recorded.set(key, value);
    if (this.recorded.size > MAX_REMEMBERED) this.recorded.delete(this.recorded.keys().next().value as string);
  }
}
