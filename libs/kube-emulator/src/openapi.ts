import { createHash } from 'node:crypto';
import type { ResourceRegistry } from './resource-registry.js';
import type { JsonSchema, ResourceType } from './types.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';

const OBJECT_META_SCHEMA: JsonSchema = {
  description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Name must be unique within a namespace.' },
    generateName: {
      type: 'string',
      description:
        'GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.',
    },
    namespace: { type: 'string', description: 'Namespace defines the space within which each name must be unique.' },
    uid: { type: 'string', description: 'UID is the unique in time and space value for this object.' },
    resourceVersion: { type: 'string', description: 'An opaque value that represents the internal version of this object.' },
    generation: {
      type: 'integer',
      format: 'int64',
      description: 'A sequence number representing a specific generation of the desired state.',
    },
    creationTimestamp: {
      type: 'string',
      format: 'date-time',
      description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
    },
    deletionTimestamp: {
      type: 'string',
      format: 'date-time',
      description: 'DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.',
    },
    deletionGracePeriodSeconds: {
      type: 'integer',
      format: 'int64',
      description: 'Number of seconds allowed for this object to gracefully terminate.',
    },
    labels: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Map of string keys and values that can be used to organize and categorize objects.',
    },
    annotations: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Annotations is an unstructured key value map stored with a resource.',
    },
    finalizers: { type: 'array', items: { type: 'string' }, description: 'Must be empty before the object is deleted from the registry.' },
    ownerReferences: {
      type: 'array',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      description: 'List of objects depended by this object.',
    },
    managedFields: {
      type: 'array',
      items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      description: 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.',
    },
  },
};

/** The OpenAPI schema name of a kind, in the real server's reversed-group form (`dev.scaleplan.example.v1.Widget`). */
export function schemaName(type: Pick<ResourceType, 'group' | 'version' | 'kind'>): string {
  if (!type.group) return `io.k8s.api.core.${type.version}.${type.kind}`;
  const known: Record<string, string> = {
    apps: 'io.k8s.api.apps',
    batch: 'io.k8s.api.batch',
    'rbac.authorization.k8s.io': 'io.k8s.api.rbac',
    'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  };
  return `${known[type.group] ?? type.group.split('.').reverse().join('.')}.${type.version}.${type.kind}`;
}

function kindSchema(type: ResourceType): JsonSchema {
  const gvk = [{ group: type.group, version: type.version, kind: type.kind }];
  const base: JsonSchema = type.schema
    ? structuredClone(type.schema)
    : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: `${type.kind} (schema not modelled by the emulator).` };
  base.properties = {
    apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
    kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
    metadata: { allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }], description: 'Standard object metadata.' } as JsonSchema,
    ...(base.properties ?? {}),
  };
  if (type.schema && base.properties.metadata && !('allOf' in base.properties.metadata)) {
    base.properties.metadata = {
      allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }],
      description: 'Standard object metadata.',
    } as JsonSchema;
  }
  base.type = 'object';
  base['x-kubernetes-group-version-kind'] = gvk;
  return base;
}

const queryParam = (name: string, type: 'string' | 'boolean' = 'string', description = '') => ({
  name,
  in: 'query',
  description,
  schema: { type, uniqueItems: true },
});

function resourcePaths(type: ResourceType): Record<string, unknown> {
  const gvk = { group: type.group, version: type.version, kind: type.kind };
  const ref = { $ref: `#/components/schemas/${schemaName(type)}` };
  const json = { content: { 'application/json': { schema: ref }, 'application/yaml': { schema: ref } } };
  const patchTypes = [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/apply-patch+yaml',
    ...(type.strategicMergePatch ? ['application/strategic-merge-patch+json'] : []),
  ];
  const writeParams = [
    queryParam('dryRun', 'string', 'When present, indicates that modifications should not be persisted.'),
    queryParam('fieldManager', 'string', 'A name associated with the actor or entity that is making these changes.'),
    queryParam(
      'fieldValidation',
      'string',
      'Instructs the server on how to handle objects in the request containing unknown or duplicate fields: Ignore, Warn or Strict.',
    ),
  ];
  const op = (action: string, extra: Record<string, unknown> = {}) => ({
    operationId: `${action}${type.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    responses: { 200: { description: 'OK', ...json } },
    ...extra,
  });
  const prefix = `${type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.plural}`;
  const pathParams = [...(type.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string' } }] : [])];
  const item = (sub: string) => ({
    get: op('get'),
    put: op('put', { requestBody: json, parameters: writeParams }),
    patch: op('patch', {
      requestBody: { content: Object.fromEntries(patchTypes.map((t) => [t, { schema: { type: 'object' } }])) },
      parameters: [...writeParams, queryParam('force', 'boolean', 'Force is going to "force" Apply requests.')],
    }),
    ...(sub === '' ? { delete: op('delete') } : {}),
    parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, ...pathParams],
  });
  const paths: Record<string, unknown> = {
    [prefix]: {
      get: op('list', { parameters: [queryParam('labelSelector'), queryParam('fieldSelector'), queryParam('watch', 'boolean')] }),
      post: op('post', { requestBody: json, parameters: writeParams }),
      delete: op('deletecollection'),
      parameters: pathParams,
    },
    [`${prefix}/{name}`]: item(''),
  };
  if (type.statusSubresource) paths[`${prefix}/{name}/status`] = item('status');
  return paths;
}

/** The per-group-version OpenAPI v3 document (`/openapi/v3/apis/<g>/<v>`): paths with `fieldValidation`, full schemas. */
export function groupVersionDocument(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const schemas: Record<string, unknown> = {
    [OBJECT_META]: OBJECT_META_SCHEMA,
    [LIST_META]: { type: 'object', properties: { resourceVersion: { type: 'string' }, continue: { type: 'string' } } },
  };
  let paths: Record<string, unknown> = {};
  for (const t of types) {
    schemas[schemaName(t)] = kindSchema(t);
    schemas[`${schemaName(t)}List`] = {
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { allOf: [{ $ref: `#/components/schemas/${LIST_META}` }] },
        items: { type: 'array', items: { $ref: `#/components/schemas/${schemaName(t)}` } },
      },
      'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.listKind }],
    };
    paths = { ...paths, ...resourcePaths(t) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths, components: { schemas } };
}

/** Content hash of a GV document: kubectl caches documents by URL, so the URL must change with the schema. */
export function documentHash(document: unknown): string {
  return createHash('sha256').update(JSON.stringify(document)).digest('hex').slice(0, 32).toUpperCase();
}

/** The OpenAPI v3 root (`/openapi/v3`): one entry per served group-version with a content-hash URL. */
export function openApiRoot(registry: ResourceRegistry): Record<string, unknown> {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const key = group ? `apis/${group}/${version}` : `api/${version}`;
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${documentHash(groupVersionDocument(registry, group, version))}` };
    }
  }
  return { paths };
}
