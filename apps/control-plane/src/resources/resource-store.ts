import type { ComputeBudget, ObjectRef, ResourceKind, ScalingLaw } from '@scaleplan/contracts';
import type { ListPage, ListPageRequest } from './list-page.js';

/** A change the store saw; `resource` is the object after the change (before it, for `deleted`). */
export interface ResourceChange<T> {
  readonly type: 'added' | 'modified' | 'deleted';
  readonly resource: T;
}

export type ResourceChangeListener<T> = (change: ResourceChange<T>) => void;

/**
 * Where the control plane keeps ScalingLaw and ComputeBudget objects: Redis in local mode
 * (`RedisResourceStore`), the Kubernetes API in kubernetes mode (`src/kube/`). Semantics follow the
 * Kubernetes API so that the reconcilers are the same in both modes.
 *
 * Errors are `ControlPlaneError`s: `NotFound` (404), `AlreadyExists` (409), `Unavailable` (backend down).
 */
export interface ResourceStore<T extends ScalingLaw | ComputeBudget> {
  readonly kind: ResourceKind;
  /** The object, or undefined when it does not exist. */
  get(ref: ObjectRef): Promise<T | undefined>;
  /** All objects of the kind, in one namespace or in all of them. */
  list(namespace?: string): Promise<T[]>;
  /**
   * One page of `list`, ordered by namespace then name (`objectSortKey`), for stores that can read a
   * page without reading every object; the REST API pages `list` in memory for the others.
   */
  listPage?(namespace: string | undefined, request: ListPageRequest): Promise<ListPage<T>>;
  /**
   * Stores a new object: sets uid, generation 1, creationTimestamp and resourceVersion; ignores any status.
   * Throws `AlreadyExists` when an object of that name exists.
   */
  create(resource: T): Promise<T>;
  /** Replaces the spec; bumps metadata.generation when it changed. Throws `NotFound`. */
  updateSpec(ref: ObjectRef, spec: T['spec']): Promise<T>;
  /**
   * Asks for deletion: with finalizers left, sets metadata.deletionTimestamp (the reconciler cleans up
   * and removes its finalizer, which then removes the object); without, removes it now.
   * Returns the object as it is afterwards, or undefined when it is gone. Throws `NotFound`.
   */
  requestDelete(ref: ObjectRef): Promise<T | undefined>;
  /** Adds a finalizer (idempotent). */
  addFinalizer(ref: ObjectRef, name: string): Promise<T>;
  /** Removes a finalizer (idempotent); removes the object when it was being deleted and none are left. */
  removeFinalizer(ref: ObjectRef, name: string): Promise<T | undefined>;
  /** Replaces the status subresource only; never touches spec or generation. Throws `NotFound`. */
  patchStatus(ref: ObjectRef, status: NonNullable<T['status']>): Promise<T>;
  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: ResourceChangeListener<T>): () => void;
}

/** `namespace/name` of an object. */
export const refOf = (resource: { metadata: { namespace?: string; name: string } }): ObjectRef => ({
  namespace: resource.metadata.namespace ?? 'default',
  name: resource.metadata.name,
});

export const refKey = (ref: ObjectRef): string => `${ref.namespace}/${ref.name}`;
