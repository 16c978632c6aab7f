/** A Kubernetes object as stored and served: plain JSON with `metadata`. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** The subset of `meta/v1 ObjectMeta` the emulator reads and maintains. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

/** `meta/v1 OwnerReference`. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** `meta/v1 ManagedFieldsEntry` (fieldsV1 is the real nested `f:` set format). */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** A column of a server-side Table (`additionalPrinterColumns` for CRDs, built-in defaults otherwise). */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly format?: string;
  readonly description?: string;
  /** Columns with priority > 0 are shown only by `kubectl get -o wide`. */
  readonly priority?: number;
  /** CRD columns: a JSONPath evaluated against the object. */
  readonly jsonPath?: string;
  /** Built-in columns: computed from the object. */
  readonly cell?: (object: KubeObject, now: number) => unknown;
}

/** A structural OpenAPI v3 schema as found in a CRD's `openAPIV3Schema` (the keywords the emulator knows). */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  format?: string;
  nullable?: boolean;
  default?: unknown;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [key: string]: unknown;
}

/** Where the scale subresource reads and writes replicas (`CustomResourceSubresourceScale`). */
export interface ScaleSubresource {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/** One served resource: a group-version-resource plus everything discovery, OpenAPI, tables and validation need. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly statusSubresource: boolean;
  readonly scale?: ScaleSubresource;
  readonly columns: readonly PrinterColumn[];
  /** CRDs only: validation schema; absent means "store whatever arrives". */
  readonly schema?: JsonSchema;
  /** Name of the CRD that serves this resource; absent for built-ins. */
  readonly crdName?: string;
  /** Built-ins accept strategic-merge-patch; custom resources answer 415 like the real server. */
  readonly strategicMergePatch: boolean;
  /** Pods have a `log` subresource served by the kubelet simulator. */
  readonly logSubresource?: boolean;
}

/** Group + resource: the storage identity shared by all versions of a resource. */
export const groupResource = (type: Pick<ResourceType, 'group' | 'plural'>): string =>
  type.group ? `${type.plural}.${type.group}` : type.plural;

/** `group/version`, or just `version` for the core group. */
export const groupVersion = (type: Pick<ResourceType, 'group' | 'version'>): string =>
  type.group ? `${type.group}/${type.version}` : type.version;

/** Watch event types on the wire. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
