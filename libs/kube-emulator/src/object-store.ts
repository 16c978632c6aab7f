import type { KubeObject } from './types.js';

/** One change in the event log that watches replay from. */
export interface StoredEvent {
  readonly resourceVersion: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** Group-resource (`widgets.example.scaleplan.dev`), shared by all versions. */
  readonly groupResource: string;
  readonly object: KubeObject;
  /** The object before a MODIFIED change (watches with selectors turn transitions into ADDED/DELETED). */
  readonly previous?: KubeObject;
}

const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

/**
 * The in-memory "etcd": objects by group-resource, one global monotonic resourceVersion, and a bounded event log
 * that watches replay from (older resourceVersions answer 410 Gone).
 */
export class ObjectStore {
  private resourceVersion = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private log: StoredEvent[] = [];
  /** The oldest resourceVersion a watch may start from (older ones are compacted away). */
  private compactedThrough = 0;
  private readonly listeners = new Set<(event: StoredEvent) => void>();

  constructor(private readonly maxLogEvents: number) {}

  /** The latest resourceVersion, as lists report it. */
  currentResourceVersion(): number {
    return this.resourceVersion;
  }

  get(groupResource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(groupResource)?.get(objectKey(namespace, name));
  }

  /** Objects of a group-resource (in one namespace when given), sorted by namespace then name like etcd keys. */
  list(groupResource: string, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(groupResource)?.entries() ?? [])];
    return all
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  /** Every group-resource that has objects (for namespace and CRD cleanup). */
  groupResources(): string[] {
    return [...this.objects.keys()];
  }

  /** Stores a new or changed object under the next resourceVersion and records the event. */
  put(groupResource: string, object: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    const previous = this.get(groupResource, object.metadata.namespace, object.metadata.name!);
    this.resourceVersion += 1;
    object.metadata.resourceVersion = String(this.resourceVersion);
    let bucket = this.objects.get(groupResource);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(groupResource, bucket);
    }
    bucket.set(objectKey(object.metadata.namespace, object.metadata.name!), object);
    this.record({ resourceVersion: this.resourceVersion, type, groupResource, object, ...(previous ? { previous } : {}) });
    return object;
  }

  /** Removes an object; the DELETED event carries the final state with a new resourceVersion. */
  remove(groupResource: string, object: KubeObject): KubeObject {
    this.objects.get(groupResource)?.delete(objectKey(object.metadata.namespace, object.metadata.name!));
    this.resourceVersion += 1;
    const final = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.resourceVersion) } };
    this.record({ resourceVersion: this.resourceVersion, type: 'DELETED', groupResource, object: final });
    return final;
  }

  /** Events after `resourceVersion`, or `'gone'` when the log no longer reaches back that far. */
  eventsSince(resourceVersion: number): StoredEvent[] | 'gone' {
    if (resourceVersion < this.compactedThrough) return 'gone';
    return this.log.filter((e) => e.resourceVersion > resourceVersion);
  }

  /** Drops the whole event log, so every older resourceVersion now answers 410 Gone. */
  compact(): void {
    this.log = [];
    this.compactedThrough = this.resourceVersion;
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: StoredEvent): void {
    this.log.push(event);
    if (this.log.length > this.maxLogEvents) {
      const dropped = this.log.splice(0, this.log.length - this.maxLogEvents);
      this.compactedThrough = dropped[dropped.length - 1]!.resourceVersion;
    }
    for (const listener of this.listeners) listener(event);
  }
}
