import {
  type CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  API_GROUP_VERSION,
  ConditionType,
  type ComputeBudget,
  type Condition,
  type ObjectRef,
  type ResourceKind,
  type ScalingLaw,
} from '@scaleplan/contracts';
import type { Logger } from 'pino';
import { ControlPlaneError } from '../control-plane.errors.js';
import { refKey, type ResourceChangeListener, type ResourceStore } from '../resources/resource-store.js';
import { apiStatusCode, toControlPlaneError } from './kube-client.js';
import type { EventType, KubeEventRecorder } from './kube-event-recorder.js';
import { createMergePatch } from './merge-patch.js';
import { ResilientInformer, type ResilientInformerOptions } from './resilient-informer.js';

type Resource = ScalingLaw | ComputeBudget;

/** Which custom resource a store serves. */
export interface KubeResourceStoreOptions {
  readonly kind: ResourceKind;
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** Namespace to serve and watch; '' = all namespaces. */
  readonly namespace: string;
  /** Field manager of every write (shows in managedFields). @default 'scaleplan-control-plane' */
  readonly fieldManager?: string;
  readonly informer?: ResilientInformerOptions;
}

type CustomObjects = Pick<
  CustomObjectsApi,
  | 'getNamespacedCustomObject'
  | 'listNamespacedCustomObject'
  | 'listClusterCustomObject'
  | 'createNamespacedCustomObject'
  | 'patchNamespacedCustomObject'
  | 'patchNamespacedCustomObjectStatus'
  | 'deleteNamespacedCustomObject'
>;

/** Makes the informer of a store; replaced in unit specs. */
export type InformerFactory = (
  path: string,
  list: () => Promise<KubernetesListObject<KubernetesObject>>,
) => ResilientInformer<KubernetesObject>;

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
// Optimistic-concurrency retries of finalizer edits (409 Conflict when another writer got in between).
const CONFLICT_RETRIES = 5;

/** Condition transitions that are bad news: recorded as Warning events. */
const isWarning = (condition: Condition): boolean =>
  (condition.type === ConditionType.Degraded && condition.status === 'True') ||
  /Failed|Diverged|Invalid|Unknown|TooSmall|Exceeded/.test(condition.reason);

/**
 * Kubernetes-mode `ResourceStore`: the custom resources are the source of spec. Writes go to the API
 * server (status only through the status subresource, as a merge patch), changes come from a
 * `ResilientInformer`, and each condition transition is recorded as a core/v1 Event.
 */
export class KubeResourceStore<T extends Resource> implements ResourceStore<T> {
  readonly kind: ResourceKind;
  private readonly listeners = new Set<ResourceChangeListener<T>>();
  private informer: ResilientInformer<KubernetesObject> | undefined;
  private readonly fieldManager: string;

  constructor(
    private readonly api: CustomObjects,
    private readonly events: Pick<KubeEventRecorder, 'record'>,
    private readonly options: KubeResourceStoreOptions,
    private readonly log: Logger,
    private readonly informerFactory?: InformerFactory,
  ) {
    this.kind = options.kind;
    this.fieldManager = options.fieldManager ?? 'scaleplan-control-plane';
  }

  /** Builds the informer factory of a real cluster connection. */
  static informerFactory(config: KubeConfig, log: Logger, options: ResilientInformerOptions = {}): InformerFactory {
    return (path, list) => new ResilientInformer(path, () => makeInformer(config, path, list), log, options);
  }

  private get gvr() {
    return { group: this.options.group, version: this.options.version, plural: this.options.plural };
  }

  private describe(ref: ObjectRef): string {
    return `${this.kind} ${refKey(ref)}`;
  }

  private checkNamespace(ref: ObjectRef): void {
    if (this.options.namespace && ref.namespace !== this.options.namespace) {
      throw new ControlPlaneError(
        'Invalid',
        `${this.describe(ref)} is outside the watched namespace ${this.options.namespace} (SCALEPLAN_NAMESPACE)`,
      );
    }
  }

  async get(ref: ObjectRef): Promise<T | undefined> {
    try {
      return (await this.api.getNamespacedCustomObject({ ...this.gvr, namespace: ref.namespace, name: ref.name })) as T;
    } catch (error) {
      if (apiStatusCode(error) === 404) return undefined;
      throw toControlPlaneError(error, `Could not read ${this.describe(ref)}`);
    }
  }

  async list(namespace?: string): Promise<T[]> {
    const scope = namespace || this.options.namespace;
    try {
      const list = (
        scope
          ? await this.api.listNamespacedCustomObject({ ...this.gvr, namespace: scope })
          : await this.api.listClusterCustomObject(this.gvr)
      ) as KubernetesListObject<KubernetesObject>;
      return (list.items as unknown as T[]).sort((a, b) => refKey(refOfResource(a)).localeCompare(refKey(refOfResource(b))));
    } catch (error) {
      throw toControlPlaneError(error, `Could not list ${this.options.plural}`);
    }
  }

  async create(resource: T): Promise<T> {
    const ref = refOfResource(resource);
    this.checkNamespace(ref);
    const { name, namespace, labels, annotations, finalizers } = resource.metadata;
    const body = {
      apiVersion: API_GROUP_VERSION,
      kind: this.kind,
      metadata: {
        name,
        namespace: namespace ?? ref.namespace,
        ...(labels && { labels }),
        ...(annotations && { annotations }),
        ...(finalizers?.length && { finalizers }),
      },
      spec: resource.spec,
    };
    try {
      return (await this.api.createNamespacedCustomObject({
        ...this.gvr,
        namespace: ref.namespace,
        body,
        fieldManager: this.fieldManager,
      })) as T;
    } catch (error) {
      throw toControlPlaneError(error, `Could not create ${this.describe(ref)}`);
    }
  }

  async updateSpec(ref: ObjectRef, spec: T['spec']): Promise<T> {
    // A JSON-patch replace swaps the whole spec; a merge patch would keep fields the new spec dropped.
    try {
      return (await this.api.patchNamespacedCustomObject(
        {
          ...this.gvr,
          namespace: ref.namespace,
          name: ref.name,
          body: [{ op: 'replace', path: '/spec', value: spec }],
          fieldManager: this.fieldManager,
        },
        JSON_PATCH,
      )) as T;
    } catch (error) {
      throw toControlPlaneError(error, `Could not update ${this.describe(ref)}`);
    }
  }

  async requestDelete(ref: ObjectRef): Promise<T | undefined> {
    try {
      await this.api.deleteNamespacedCustomObject({
        ...this.gvr,
        namespace: ref.namespace,
        name: ref.name,
        propagationPolicy: 'Background',
      });
    } catch (error) {
      throw toControlPlaneError(error, `Could not delete ${this.describe(ref)}`);
    }
    return this.get(ref);
  }

  addFinalizer(ref: ObjectRef, name: string): Promise<T> {
    return this.editFinalizers(ref, (finalizers) => (finalizers.includes(name) ? undefined : [...finalizers, name])) as Promise<T>;
  }

  async removeFinalizer(ref: ObjectRef, name: string): Promise<T | undefined> {
    try {
      const result = await this.editFinalizers(ref, (finalizers) =>
        finalizers.includes(name) ? finalizers.filter((f) => f !== name) : undefined,
      );
      if (result?.metadata.deletionTimestamp && (result.metadata.finalizers ?? []).length === 0) return undefined;
      return result;
    } catch (error) {
      if (error instanceof ControlPlaneError && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  /**
   * Edits metadata.finalizers with a merge patch guarded by resourceVersion (the API server answers 409
   * when the object changed since it was read), retried on conflict.
   */
  private async editFinalizers(ref: ObjectRef, edit: (current: string[]) => string[] | undefined): Promise<T | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await this.get(ref);
      if (!current) throw new ControlPlaneError('NotFound', `${this.describe(ref)} not found`);
      const finalizers = edit(current.metadata.finalizers ?? []);
      if (!finalizers) return current;
      try {
        return (await this.api.patchNamespacedCustomObject(
          {
            ...this.gvr,
            namespace: ref.namespace,
            name: ref.name,
            body: { metadata: { finalizers, resourceVersion: current.metadata.resourceVersion } },
            fieldManager: this.fieldManager,
          },
          MERGE_PATCH,
        )) as T;
      } catch (error) {
        const code = apiStatusCode(error);
        if (code === 409 && attempt < CONFLICT_RETRIES) continue;
        if (code === 404) throw new ControlPlaneError('NotFound', `${this.describe(ref)} not found`, [], { cause: error });
        throw toControlPlaneError(error, `Could not update the finalizers of ${this.describe(ref)}`);
      }
    }
  }

  async patchStatus(ref: ObjectRef, status: NonNullable<T['status']>): Promise<T> {
    const current = await this.get(ref);
    if (!current) throw new ControlPlaneError('NotFound', `${this.describe(ref)} not found`);
    const patch = createMergePatch(current.status ?? {}, status);
    if (patch === undefined) return current;
    let updated: T;
    try {
      updated = (await this.api.patchNamespacedCustomObjectStatus(
        { ...this.gvr, namespace: ref.namespace, name: ref.name, body: { status: patch }, fieldManager: this.fieldManager },
        MERGE_PATCH,
      )) as T;
    } catch (error) {
      throw toControlPlaneError(error, `Could not write the status of ${this.describe(ref)}`);
    }
    await this.recordTransitions(updated, current.status?.conditions, (status as { conditions?: Condition[] }).conditions);
    return updated;
  }

  onChange(listener: ResourceChangeListener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the informer that feeds `onChange` (idempotent). Resolves once the first watch is open. */
  start(): Promise<void> {
    if (!this.informerFactory) return Promise.resolve();
    if (!this.informer) {
      const { group, version, plural, namespace } = this.options;
      const path = namespace ? `/apis/${group}/${version}/namespaces/${namespace}/${plural}` : `/apis/${group}/${version}/${plural}`;
      const list = () =>
        (namespace
          ? this.api.listNamespacedCustomObject({ group, version, plural, namespace })
          : this.api.listClusterCustomObject({ group, version, plural })) as Promise<KubernetesListObject<KubernetesObject>>;
      this.informer = this.informerFactory(path, list);
      this.informer.on((type, object) => {
        const change = { type: type === 'resync' ? 'modified' : type, resource: object as unknown as T } as const;
        for (const l of this.listeners) l(change);
      });
    }
    return this.informer.start();
  }

  /** The informer (health checks and tests). */
  get watcher(): ResilientInformer<KubernetesObject> | undefined {
    return this.informer;
  }

  async close(): Promise<void> {
    await this.informer?.stop();
  }

  private async recordTransitions(
    resource: T,
    before: readonly Condition[] | undefined,
    after: readonly Condition[] | undefined,
  ): Promise<void> {
    for (const condition of after ?? []) {
      const previous = before?.find((c) => c.type === condition.type);
      if (previous && previous.status === condition.status && previous.reason === condition.reason) continue;
      // A condition that is False without news (e.g. Degraded False on creation) is not worth an Event.
      if (!previous && condition.status !== 'True' && condition.type === ConditionType.Degraded) continue;
      const type: EventType = isWarning(condition) ? 'Warning' : 'Normal';
      await this.events.record(
        { apiVersion: API_GROUP_VERSION, kind: this.kind, metadata: resource.metadata },
        type,
        condition.reason,
        condition.status === 'True' ? condition.message : `${condition.type}=${condition.status}: ${condition.message}`,
      );
    }
  }
}

const refOfResource = (resource: Resource): ObjectRef => ({
  namespace: resource.metadata.namespace ?? 'default',
  name: resource.metadata.name,
});
