import { randomUUID } from 'node:crypto';
import type { ComputeBudget, ObjectRef, ResourceKind, ScalingLaw } from '@scaleplan/contracts';
import type { Redis } from 'ioredis';
import { ControlPlaneError } from '../control-plane.errors.js';
import { pageOf, type ListPage, type ListPageRequest } from './list-page.js';
import { refKey, refOf, type ResourceChangeListener, type ResourceStore } from './resource-store.js';

type Resource = ScalingLaw | ComputeBudget;

const isoNow = (): string => new Date().toISOString();
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
/** `namespace/name` index member → ref (names and namespaces are DNS-1123, so they hold no '/'). */
const memberRef = (member: string): ObjectRef => {
  const slash = member.indexOf('/');
  return { namespace: member.slice(0, slash), name: member.slice(slash + 1) };
};

/**
 * Local-mode store: each object is one JSON string in Redis plus an index set per kind.
 * Writes of one object are serialised in-process (one control plane owns a prefix in local mode),
 * and resourceVersion comes from a Redis counter so that it survives restarts.
 */
export class RedisResourceStore<T extends Resource> implements ResourceStore<T> {
  private readonly listeners = new Set<ResourceChangeListener<T>>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly kind: ResourceKind,
    private readonly plural: string,
  ) {}

  private key(ref: ObjectRef): string {
    return `${this.prefix}:store:${this.plural}:${refKey(ref)}`;
  }
  private get indexKey(): string {
    return `${this.prefix}:store:${this.plural}`;
  }

  async get(ref: ObjectRef): Promise<T | undefined> {
    const raw = await this.wrap(() => this.redis.get(this.key(ref)));
    return raw ? (JSON.parse(raw) as T) : undefined;
  }

  async list(namespace?: string): Promise<T[]> {
    const members = await this.wrap(() => this.redis.smembers(this.indexKey));
    const wanted = members.filter((member) => !namespace || member.startsWith(`${namespace}/`)).sort();
    if (wanted.length === 0) return [];
    const values = await this.wrap(() => this.redis.mget(...wanted.map((m) => `${this.prefix}:store:${this.plural}:${m}`)));
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as T);
  }

  /** Reads the index (names only), then fetches just the page's objects. */
  async listPage(namespace: string | undefined, request: ListPageRequest): Promise<ListPage<T>> {
    const members = await this.wrap(() => this.redis.smembers(this.indexKey));
    const refs = members.filter((member) => !namespace || member.startsWith(`${namespace}/`)).map(memberRef);
    const page = pageOf(refs, (ref) => [ref.namespace, ref.name], request);
    if (page.items.length === 0) return { ...page, items: [] };
    const values = await this.wrap(() => this.redis.mget(...page.items.map((ref) => this.key(ref))));
    // An object deleted between the two reads is left out; the page's position stays the same.
    return { ...page, items: values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as T) };
  }

  create(resource: T): Promise<T> {
    const ref = refOf(resource);
    return this.locked(ref, async () => {
      const rv = await this.nextResourceVersion();
      const stored = {
        ...resource,
        metadata: {
          ...resource.metadata,
          namespace: ref.namespace,
          uid: randomUUID(),
          generation: 1,
          resourceVersion: rv,
          creationTimestamp: isoNow(),
          deletionTimestamp: undefined,
          finalizers: resource.metadata.finalizers ?? [],
        },
        status: {},
      } as T;
      const ok = await this.wrap(() =>
        this.redis.multi().set(this.key(ref), JSON.stringify(stored), 'NX').sadd(this.indexKey, refKey(ref)).exec(),
      );
      if (!ok || ok[0]?.[1] !== 'OK') {
        throw new ControlPlaneError('AlreadyExists', `${this.kind} ${refKey(ref)} already exists`);
      }
      this.emit('added', stored);
      return stored;
    });
  }

  updateSpec(ref: ObjectRef, spec: T['spec']): Promise<T> {
    return this.mutate(ref, (current) => {
      if (sameJson(current.spec, spec)) return current;
      return { ...current, spec, metadata: { ...current.metadata, generation: (current.metadata.generation ?? 1) + 1 } } as T;
    });
  }

  requestDelete(ref: ObjectRef): Promise<T | undefined> {
    return this.locked(ref, async () => {
      const current = await this.mustGet(ref);
      if ((current.metadata.finalizers ?? []).length === 0) {
        await this.remove(ref, current);
        return undefined;
      }
      if (current.metadata.deletionTimestamp) return current;
      const next = { ...current, metadata: { ...current.metadata, deletionTimestamp: isoNow() } } as T;
      return this.write(ref, next);
    });
  }

  addFinalizer(ref: ObjectRef, name: string): Promise<T> {
    return this.mutate(ref, (current) => {
      const finalizers = current.metadata.finalizers ?? [];
      if (finalizers.includes(name)) return current;
      return { ...current, metadata: { ...current.metadata, finalizers: [...finalizers, name] } } as T;
    });
  }

  removeFinalizer(ref: ObjectRef, name: string): Promise<T | undefined> {
    return this.locked(ref, async () => {
      const current = await this.get(ref);
      if (!current) return undefined;
      const finalizers = (current.metadata.finalizers ?? []).filter((f) => f !== name);
      if (current.metadata.deletionTimestamp && finalizers.length === 0) {
        await this.remove(ref, current);
        return undefined;
      }
      if (finalizers.length === (current.metadata.finalizers ?? []).length) return current;
      return this.write(ref, { ...current, metadata: { ...current.metadata, finalizers } } as T);
    });
  }

  patchStatus(ref: ObjectRef, status: NonNullable<T['status']>): Promise<T> {
    return this.mutate(ref, (current) => (sameJson(current.status, status) ? current : ({ ...current, status } as T)));
  }

  onChange(listener: ResourceChangeListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private mutate(ref: ObjectRef, change: (current: T) => T): Promise<T> {
    return this.locked(ref, async () => {
      const current = await this.mustGet(ref);
      const next = change(current);
      return next === current ? current : this.write(ref, next);
    });
  }

  private async write(ref: ObjectRef, next: T): Promise<T> {
    const stored = { ...next, metadata: { ...next.metadata, resourceVersion: await this.nextResourceVersion() } } as T;
    await this.wrap(() => this.redis.set(this.key(ref), JSON.stringify(stored), 'XX'));
    this.emit('modified', stored);
    return stored;
  }

  private async remove(ref: ObjectRef, current: T): Promise<void> {
    await this.wrap(() => this.redis.multi().del(this.key(ref)).srem(this.indexKey, refKey(ref)).exec());
    this.emit('deleted', current);
  }

  private async mustGet(ref: ObjectRef): Promise<T> {
    const current = await this.get(ref);
    if (!current) throw new ControlPlaneError('NotFound', `${this.kind} ${refKey(ref)} not found`);
    return current;
  }

  private async nextResourceVersion(): Promise<string> {
    return String(await this.wrap(() => this.redis.incr(`${this.prefix}:store:resource-version`)));
  }

  private emit(type: 'added' | 'modified' | 'deleted', resource: T): void {
    for (const listener of this.listeners) listener({ type, resource });
  }

  /** Serialises the writes of one object in this process. */
  private locked<R>(ref: ObjectRef, work: () => Promise<R>): Promise<R> {
    const key = refKey(ref);
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return next;
  }

  private async wrap<R>(call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ControlPlaneError) throw error;
      throw new ControlPlaneError('Unavailable', `Redis is unavailable: ${(error as Error).message}`, [], { cause: error });
    }
  }
}
