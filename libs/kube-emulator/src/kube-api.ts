import { KubeApiError, type StatusCause } from './errors.js';
import { serverSideApply, updateManagedFields } from './managed-fields.js';
import { carryOverMetadata, hasMeaningfulChange, initialMetadata, invalidNameReason, randomSuffix, rfc3339 } from './object-metadata.js';
import type { ObjectStore } from './object-store.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, stripPatchDirectives } from './patches.js';
import { assertValidCrd, crdStatus, nameConflict, resourceTypesFromCrd, type ResourceRegistry } from './resource-registry.js';
import { validateAgainstSchema } from './schema-validation.js';
import {
  formatLabelSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  requirementsFromLabelSelector,
} from './selectors.js';
import { evaluateJsonPath } from './json-path.js';
import { groupResource, groupVersion, type KubeObject, type OwnerReference, type ResourceType } from './types.js';

/** `fieldValidation` query parameter: what the server does with fields the schema does not declare. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** The four PATCH content types the API server understands. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Per-request write options (query parameters of POST/PUT/PATCH/DELETE) plus where warnings go. */
export interface WriteContext {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  readonly fieldValidation?: FieldValidation;
  readonly force?: boolean;
  /** Collected `Warning:` header texts (unknown fields under Warn, orphaned Job pods…). */
  readonly warnings?: string[];
}

/** `DeleteOptions` fields the emulator honours. */
export interface DeleteOptions {
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  readonly preconditions?: { uid?: string; resourceVersion?: string };
}

/** List query: selectors and pagination. */
export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continueToken?: string;
}

/** A page of a list. */
export interface ListResult {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** `widgets.example.scaleplan.dev`, the way NotFound/Conflict messages name a resource. */
const qualifiedResource = (type: ResourceType): string => groupResource(type);
const qualifiedKind = (type: ResourceType): string => (type.group ? `${type.kind}.${type.group}` : type.kind);

function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.replace(/^\./, '').split('.');
  let cur = object;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(cur[key])) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

/** The defaults the real API server fills in for the built-in workload kinds the kubelet simulator drives. */
function applyBuiltinDefaults(type: ResourceType, object: KubeObject): void {
  const spec = isPlainObject(object.spec) ? object.spec : undefined;
  if (!spec) return;
  if (type.group === 'apps' && type.kind === 'Deployment') spec.replicas ??= 1;
  if (type.group === 'batch' && type.kind === 'Job') {
    spec.parallelism ??= 1;
    spec.completions ??= 1;
    spec.backoffLimit ??= 6;
    // Like the real server (manualSelector unset): select the Job's own pods by its uid, and label the template so.
    if (!spec.selector && spec.manualSelector !== true && object.metadata.uid) {
      const labels = {
        'batch.kubernetes.io/controller-uid': object.metadata.uid,
        'batch.kubernetes.io/job-name': object.metadata.name!,
        'controller-uid': object.metadata.uid,
        'job-name': object.metadata.name!,
      };
      spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': object.metadata.uid } };
      const template = isPlainObject(spec.template) ? spec.template : (spec.template = {});
      const meta = isPlainObject(template.metadata) ? template.metadata : (template.metadata = {});
      meta.labels = { ...(isPlainObject(meta.labels) ? meta.labels : {}), ...labels };
    }
  }
}

/**
 * The API server's semantics over the object store, independent of HTTP: CRUD, patches, subresources, validation,
 * metadata rules, finalizers, garbage collection and CRD registration. The HTTP layer and the kubelet simulator
 * both go through it.
 */
export class KubeApi {
  constructor(
    readonly registry: ResourceRegistry,
    readonly store: ObjectStore,
    private readonly clock: () => number = Date.now,
  ) {}

  private notFound(type: ResourceType, name: string): KubeApiError {
    return new KubeApiError('NotFound', `${qualifiedResource(type)} "${name}" not found`, { name, group: type.group, kind: type.plural });
  }

  private invalid(type: ResourceType, name: string, causes: readonly StatusCause[]): KubeApiError {
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    return new KubeApiError(
      'Invalid',
      `${qualifiedKind(type)} "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`,
      {
        name,
        group: type.group,
        kind: type.kind,
        causes,
      },
    );
  }

  private withTypeMeta(type: ResourceType, object: KubeObject): KubeObject {
    return { ...object, apiVersion: groupVersion(type), kind: type.kind };
  }

  /** Reads one object (a copy, with the apiVersion of the requested version). */
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(groupResource(type), type.namespaced ? namespace : undefined, name);
    if (!found) throw this.notFound(type, name);
    return this.withTypeMeta(type, clone(found));
  }

  /** Reads one object or undefined. */
  find(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.store.get(groupResource(type), type.namespaced ? namespace : undefined, name);
    return found ? this.withTypeMeta(type, clone(found)) : undefined;
  }

  /** Lists objects with label/field selectors and limit/continue pagination (continue tokens encode the last key). */
  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): ListResult {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector);
    let items = this.store
      .list(groupResource(type), type.namespaced ? namespace : undefined)
      .filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o));
    const resourceVersion = String(this.store.currentResourceVersion());
    if (options.continueToken) {
      let after: string;
      try {
        after = (JSON.parse(Buffer.from(options.continueToken, 'base64url').toString('utf8')) as { k: string }).k;
      } catch (error) {
        throw new KubeApiError('BadRequest', 'continue key is not valid: expected a token returned by a previous list', undefined, {
          cause: error,
        });
      }
      items = items.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > after);
    }
    if (options.limit && options.limit > 0 && items.length > options.limit) {
      const page = items.slice(0, options.limit);
      const last = page[page.length - 1]!;
      const token = Buffer.from(JSON.stringify({ k: `${last.metadata.namespace ?? ''}/${last.metadata.name}` }), 'utf8').toString(
        'base64url',
      );
      return {
        items: page.map((o) => this.withTypeMeta(type, clone(o))),
        resourceVersion,
        continueToken: token,
        remainingItemCount: items.length - page.length,
      };
    }
    return { items: items.map((o) => this.withTypeMeta(type, clone(o))), resourceVersion };
  }

  /** Validates a custom resource against its schema; prunes, defaults, and rejects per `fieldValidation`. */
  private validate(type: ResourceType, object: KubeObject, ctx: WriteContext): KubeObject {
    const name = object.metadata.name ?? '';
    const causes: StatusCause[] = [];
    const nameProblem = type.kind === 'CustomResourceDefinition' ? undefined : invalidNameReason(name);
    if (nameProblem)
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: ${JSON.stringify(name)}: ${nameProblem}`,
      });
    if (!type.schema) {
      if (causes.length) throw this.invalid(type, name, causes);
      return object;
    }
    const result = validateAgainstSchema(object, type.schema);
    if (result.unknownFields.length > 0) {
      const mode = ctx.fieldValidation ?? 'Ignore';
      const described = result.unknownFields.map((f) => `unknown field "${f}"`);
      if (mode === 'Strict') {
        throw new KubeApiError(
          'BadRequest',
          `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${described.join(', ')}`,
        );
      }
      if (mode === 'Warn') ctx.warnings?.push(...described);
    }
    causes.push(...result.causes);
    if (causes.length) throw this.invalid(type, name, causes);
    return result.value as KubeObject;
  }

  /**
   * Gives a new Service a cluster IP from 127.1.0.0/16 (loopback: the emulator's service proxy listens there),
   * unless it is headless (`None`) or names one.
   */
  private allocateClusterIP(service: KubeObject): void {
    const spec = isPlainObject(service.spec) ? service.spec : (service.spec = {});
    if (spec.clusterIP) return;
    const used = new Set(
      this.list(this.registry.find('', 'v1', 'services')!, undefined).items.map(
        (s) => (s.spec as { clusterIP?: string } | undefined)?.clusterIP,
      ),
    );
    for (let n = 1; n < 65_534; n += 1) {
      const ip = `127.1.${Math.floor(n / 256)}.${n % 256}`;
      if (n % 256 === 0 || n % 256 === 255 || used.has(ip)) continue;
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
      return;
    }
    throw new KubeApiError('InternalError', 'no cluster IPs left in 127.1.0.0/16');
  }

  private ensureNamespace(type: ResourceType, namespace: string | undefined): void {
    if (!type.namespaced) return;
    if (!namespace) throw new KubeApiError('BadRequest', 'a namespace is required for namespaced resources');
    if (!this.store.get('namespaces', undefined, namespace)) {
      throw new KubeApiError('NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
    }
  }

  /** POST: creates an object (generateName, system metadata, status dropped under a status subresource, validation). */
  create(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    ctx: WriteContext = {},
    operation: 'Update' | 'Apply' = 'Update',
  ): KubeObject {
    if (!isPlainObject(body)) throw new KubeApiError('BadRequest', `the body of a ${type.kind} create must be a JSON object`);
    const input = clone(body) as KubeObject;
    input.metadata = isPlainObject(input.metadata) ? input.metadata : {};
    if (input.kind !== undefined && input.kind !== type.kind) {
      throw new KubeApiError(
        'BadRequest',
        `the kind of the provided object ("${String(input.kind)}") does not match the resource ${qualifiedResource(type)} (kind "${type.kind}")`,
      );
    }
    if (type.namespaced) {
      if (input.metadata.namespace && namespace && input.metadata.namespace !== namespace) {
        throw new KubeApiError('BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      namespace = namespace ?? input.metadata.namespace;
      this.ensureNamespace(type, namespace);
      input.metadata.namespace = namespace;
    } else delete input.metadata.namespace;
    if (!input.metadata.name) {
      if (!input.metadata.generateName) {
        throw this.invalid(type, '', [
          { reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' },
        ]);
      }
      do input.metadata.name = `${input.metadata.generateName}${randomSuffix()}`;
      while (this.store.get(groupResource(type), namespace, input.metadata.name));
    }
    const name = input.metadata.name;
    if (this.store.get(groupResource(type), type.namespaced ? namespace : undefined, name)) {
      throw new KubeApiError('AlreadyExists', `${qualifiedResource(type)} "${name}" already exists`, {
        name,
        group: type.group,
        kind: type.plural,
      });
    }
    const now = this.clock();
    let object = this.withTypeMeta(type, initialMetadata(stripPatchDirectives(input) as KubeObject, now));
    if (type.statusSubresource) delete object.status;
    object = this.validate(type, object, ctx);
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') {
      assertValidCrd(object);
      object.status = crdStatus(object, undefined, nameConflict(object, this.registry), rfc3339(now));
    }
    applyBuiltinDefaults(type, object);
    if (type.kind === 'Service' && !type.group) this.allocateClusterIP(object);
    if (type.kind === 'Namespace' && !type.group) {
      object.spec = { finalizers: ['kubernetes'], ...(object.spec as object | undefined) };
      object.status = { phase: 'Active' };
    }
    object.metadata.managedFields = updateManagedFields(
      [],
      { manager: ctx.fieldManager ?? 'unknown', operation, subresource: '', apiVersion: groupVersion(type), time: rfc3339(now) },
      {},
      object,
      operation === 'Apply' ? body : undefined,
    );
    if (ctx.dryRun) return object;
    this.store.put(groupResource(type), object, 'ADDED');
    this.afterWrite(type, object);
    return clone(object);
  }

  /** Shared tail of every update: metadata rules, subresource isolation, validation, managedFields, no-op detection. */
  private commitUpdate(
    type: ResourceType,
    live: KubeObject,
    proposed: KubeObject,
    subresource: string,
    ctx: WriteContext,
    operation: 'Update' | 'Apply' = 'Update',
    applied?: unknown,
  ): KubeObject {
    const expectedRv = proposed.metadata?.resourceVersion;
    if (expectedRv && expectedRv !== live.metadata.resourceVersion) {
      throw new KubeApiError(
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedResource(type)} "${live.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name: live.metadata.name!, group: type.group, kind: type.plural },
      );
    }
    let next: KubeObject;
    if (subresource === 'status') {
      next = { ...clone(live), status: proposed.status };
      if (next.status === undefined) delete next.status;
    } else {
      next = carryOverMetadata(live, { ...proposed, metadata: isPlainObject(proposed.metadata) ? proposed.metadata : {} });
      if (type.statusSubresource) {
        if (live.status === undefined) delete next.status;
        else next.status = clone(live.status);
      }
    }
    next = this.withTypeMeta(type, next);
    next = this.validate(type, next, ctx);
    // A Service keeps the cluster IP it was given (immutable in the real API; a manifest never carries it).
    if (type.kind === 'Service' && !type.group && isPlainObject(next.spec) && isPlainObject(live.spec) && !next.spec.clusterIP) {
      next.spec.clusterIP = live.spec.clusterIP;
      next.spec.clusterIPs = live.spec.clusterIPs;
    }
    const now = this.clock();
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') {
      assertValidCrd(next);
      next.status = crdStatus(next, live.status as Record<string, unknown> | undefined, nameConflict(next, this.registry), rfc3339(now));
    }
    next.metadata.managedFields = updateManagedFields(
      live.metadata.managedFields,
      {
        manager: ctx.fieldManager ?? 'unknown',
        operation,
        subresource: subresource === 'status' ? 'status' : subresource === 'scale' ? 'scale' : '',
        apiVersion: groupVersion(type),
        time: rfc3339(now),
      },
      live,
      next,
      applied,
    );
    if (!hasMeaningfulChange(live, next)) return clone(live);
    if (ctx.dryRun) return next;
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) return this.removeObject(type, next);
    this.store.put(groupResource(type), next, 'MODIFIED');
    this.afterWrite(type, next);
    return clone(next);
  }

  /** PUT on the object, `/status` or `/scale`. */
  replace(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: unknown,
    ctx: WriteContext = {},
  ): KubeObject {
    if (!isPlainObject(body)) throw new KubeApiError('BadRequest', `the body of a ${type.kind} update must be a JSON object`);
    const live = this.get(type, namespace, name);
    if (subresource === 'scale') return this.writeScale(type, live, body, ctx);
    const proposed = clone(body) as KubeObject;
    proposed.metadata = isPlainObject(proposed.metadata) ? proposed.metadata : {};
    if (proposed.metadata.name && proposed.metadata.name !== name) {
      throw new KubeApiError(
        'BadRequest',
        `the name of the object (${proposed.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    return this.commitUpdate(type, live, proposed, subresource, ctx);
  }

  /** PATCH (json, merge, strategic, apply) on the object, `/status` or `/scale`. Apply creates a missing object. */
  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    subresource: string,
    patchType: PatchType,
    body: unknown,
    ctx: WriteContext = {},
  ): KubeObject {
    if (patchType === 'strategic' && !type.strategicMergePatch) {
      throw new KubeApiError(
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    }
    if (patchType === 'apply' && !ctx.fieldManager) {
      throw new KubeApiError('BadRequest', 'PATCH, application/apply-patch+yaml requires fieldManager to be set');
    }
    const live = this.find(type, namespace, name);
    if (!live) {
      if (patchType === 'apply' && subresource === '') {
        if (!isPlainObject(body)) throw new KubeApiError('BadRequest', 'an apply patch must be an object');
        const meta = isPlainObject(body.metadata) ? body.metadata : {};
        if (meta.name !== undefined && meta.name !== name) {
          throw new KubeApiError(
            'BadRequest',
            `the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`,
          );
        }
        return this.create(type, namespace, { ...body, metadata: { ...meta, name } }, ctx, 'Apply');
      }
      throw this.notFound(type, name);
    }
    if (subresource === 'scale') {
      const scale = this.scaleOf(type, live);
      const patched = this.applyPatch(scale, patchType, body, ctx, subresource, true);
      return this.writeScale(type, live, patched, ctx);
    }
    if (patchType === 'apply') {
      if (!isPlainObject(body)) throw new KubeApiError('BadRequest', 'an apply patch must be an object');
      const merged = serverSideApply(live, body, ctx.fieldManager!, ctx.force === true, subresource);
      return this.commitUpdate(type, live, merged, subresource, ctx, 'Apply', body);
    }
    const patched = this.applyPatch(live, patchType, body, ctx, subresource, false) as KubeObject;
    return this.commitUpdate(type, live, patched, subresource, ctx);
  }

  private applyPatch(
    target: KubeObject | Record<string, unknown>,
    patchType: PatchType,
    body: unknown,
    ctx: WriteContext,
    subresource: string,
    isScale: boolean,
  ): KubeObject {
    switch (patchType) {
      case 'merge':
        if (!isPlainObject(body)) throw new KubeApiError('BadRequest', 'a merge patch must be a JSON object');
        return applyMergePatch(target, body) as KubeObject;
      case 'json':
        return applyJsonPatch(target, body) as KubeObject;
      case 'strategic':
        return applyStrategicMergePatch(target, body) as KubeObject;
      case 'apply':
        if (!isPlainObject(body)) throw new KubeApiError('BadRequest', 'an apply patch must be an object');
        return (
          isScale
            ? applyMergePatch(target, body)
            : serverSideApply(target as KubeObject, body, ctx.fieldManager!, ctx.force === true, subresource)
        ) as KubeObject;
    }
  }

  /** The `autoscaling/v1 Scale` view of an object with a scale subresource. */
  scaleOf(type: ResourceType, object: KubeObject): KubeObject {
    if (!type.scale)
      throw new KubeApiError('NotFound', `the server could not find the requested resource (${qualifiedResource(type)}/scale)`);
    const specReplicas = evaluateJsonPath(object, type.scale.specReplicasPath)[0];
    const statusReplicas = evaluateJsonPath(object, type.scale.statusReplicasPath)[0];
    const rawSelector = type.scale.labelSelectorPath ? evaluateJsonPath(object, type.scale.labelSelectorPath)[0] : undefined;
    const selector = isPlainObject(rawSelector)
      ? formatLabelSelector(requirementsFromLabelSelector(rawSelector))
      : typeof rawSelector === 'string'
        ? rawSelector
        : '';
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: object.metadata.name,
        ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
        creationTimestamp: object.metadata.creationTimestamp,
      },
      spec: { replicas: typeof specReplicas === 'number' ? specReplicas : 0 },
      status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0, ...(selector ? { selector } : {}) },
    };
  }

  private writeScale(type: ResourceType, live: KubeObject, scale: Record<string, unknown>, ctx: WriteContext): KubeObject {
    const spec = isPlainObject(scale.spec) ? scale.spec : {};
    const replicas = spec.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw this.invalid(type, live.metadata.name!, [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.replicas',
          message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        },
      ]);
    }
    const meta = isPlainObject(scale.metadata) ? scale.metadata : {};
    const next = clone(live);
    setPath(next as unknown as Record<string, unknown>, type.scale!.specReplicasPath, replicas);
    if (typeof meta.resourceVersion === 'string') next.metadata.resourceVersion = meta.resourceVersion;
    const written = this.commitUpdate(type, live, next, 'scale', ctx);
    return this.scaleOf(type, written);
  }

  /** DELETE: finalizers make it a deletionTimestamp update; otherwise the object goes and its dependents follow. */
  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}, ctx: WriteContext = {}): KubeObject {
    const live = this.get(type, namespace, name);
    const pre = options.preconditions;
    if ((pre?.uid && pre.uid !== live.metadata.uid) || (pre?.resourceVersion && pre.resourceVersion !== live.metadata.resourceVersion)) {
      throw new KubeApiError(
        'Conflict',
        `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the precondition on ${pre.uid ? 'UID' : 'ResourceVersion'} does not match`,
        {
          name,
          group: type.group,
          kind: type.plural,
        },
      );
    }
    if (ctx.dryRun) return live;
    let policy = options.propagationPolicy;
    if (!policy && type.kind === 'Job' && type.group === 'batch') {
      policy = 'Orphan';
      ctx.warnings?.push(
        'child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning',
      );
    }
    policy ??= 'Background';
    if (policy === 'Orphan') this.orphanDependents(live.metadata.uid!);
    if (policy === 'Foreground') this.deleteDependentsNow(live.metadata.uid!);
    if ((live.metadata.finalizers ?? []).length > 0) {
      if (live.metadata.deletionTimestamp) return live;
      const next = clone(live);
      next.metadata.deletionTimestamp = rfc3339(this.clock());
      next.metadata.deletionGracePeriodSeconds = 0;
      next.metadata.generation = (live.metadata.generation ?? 1) + 1;
      this.store.put(groupResource(type), next, 'MODIFIED');
      return clone(next);
    }
    return this.removeObject(type, live);
  }

  /** DELETE on a collection: deletes each matching object. */
  deleteCollection(
    type: ResourceType,
    namespace: string | undefined,
    list: ListOptions,
    options: DeleteOptions,
    ctx: WriteContext,
  ): KubeObject[] {
    return this.list(type, namespace, list).items.map((o) => this.delete(type, o.metadata.namespace, o.metadata.name!, options, ctx));
  }

  private removeObject(type: ResourceType, object: KubeObject): KubeObject {
    const gr = groupResource(type);
    if (!this.store.get(gr, object.metadata.namespace, object.metadata.name!)) return object;
    const final = this.withTypeMeta(type, this.store.remove(gr, object));
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') {
      const spec = object.spec as { group: string; names: { plural: string } };
      const crGr = groupResource({ group: spec.group, plural: spec.names.plural });
      for (const cr of this.store.list(crGr)) this.store.remove(crGr, cr);
      this.registry.unregisterCrd(object.metadata.name!);
    }
    if (type.kind === 'Namespace' && !type.group) {
      for (const other of this.registry.all().filter((t) => t.namespaced)) {
        for (const o of this.store.list(groupResource(other), object.metadata.name)) this.store.remove(groupResource(other), o);
      }
    }
    const uid = object.metadata.uid!;
    setImmediate(() => this.collectGarbage(uid));
    return clone(final);
  }

  /** Every stored object with its resource type (preferred version), for owner-reference scans. */
  private allObjects(): { type: ResourceType; object: KubeObject }[] {
    const out: { type: ResourceType; object: KubeObject }[] = [];
    const seen = new Set<string>();
    for (const t of this.registry.all()) {
      const gr = groupResource(t);
      if (seen.has(gr)) continue;
      seen.add(gr);
      const type = this.registry.findResource(t.group, t.plural)!;
      for (const object of this.store.list(gr)) out.push({ type, object });
    }
    return out;
  }

  private dependentsOf(uid: string): { type: ResourceType; object: KubeObject }[] {
    return this.allObjects().filter(({ object }) => (object.metadata.ownerReferences ?? []).some((r) => r.uid === uid));
  }

  /**
   * Background garbage collection for a deleted owner: a dependent whose owners are all gone is deleted (which
   * cascades further); one that still has a live owner just loses the dangling reference.
   */
  collectGarbage(ownerUid: string): void {
    const liveUids = new Set(this.allObjects().map(({ object }) => object.metadata.uid));
    for (const { type, object } of this.dependentsOf(ownerUid)) {
      const refs = object.metadata.ownerReferences ?? [];
      const remaining = refs.filter((r) => r.uid !== ownerUid && liveUids.has(r.uid));
      try {
        if (remaining.length === 0) {
          if (!object.metadata.deletionTimestamp)
            this.delete(
              type,
              object.metadata.namespace,
              object.metadata.name!,
              { propagationPolicy: 'Background' },
              { fieldManager: 'garbage-collector' },
            );
        } else {
          const next = clone(object);
          next.metadata.ownerReferences = remaining;
          this.commitUpdate(type, object, next, '', { fieldManager: 'garbage-collector' });
        }
      } catch (error) {
        if (!(error instanceof KubeApiError && error.code === 'NotFound')) throw error;
      }
    }
  }

  private orphanDependents(uid: string): void {
    for (const { type, object } of this.dependentsOf(uid)) {
      const next = clone(object);
      next.metadata.ownerReferences = (object.metadata.ownerReferences ?? []).filter((r: OwnerReference) => r.uid !== uid);
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      this.commitUpdate(type, object, next, '', { fieldManager: 'garbage-collector' });
    }
  }

  private deleteDependentsNow(uid: string): void {
    for (const { type, object } of this.dependentsOf(uid)) {
      try {
        this.delete(
          type,
          object.metadata.namespace,
          object.metadata.name!,
          { propagationPolicy: 'Foreground' },
          { fieldManager: 'garbage-collector' },
        );
      } catch (error) {
        if (!(error instanceof KubeApiError && error.code === 'NotFound')) throw error;
      }
    }
  }

  private afterWrite(type: ResourceType, object: KubeObject): void {
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') {
      const accepted = (object.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      if (accepted) this.registry.registerCrd(object.metadata.name!, resourceTypesFromCrd(object));
    }
  }
}
