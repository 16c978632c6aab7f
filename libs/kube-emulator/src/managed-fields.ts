import { KubeApiError } from './errors.js';
import type { KubeObject, ManagedFieldsEntry } from './types.js';

/**
 * Field ownership for server-side apply, approximated.
 *
 * A field is a leaf path of the object: a scalar, or a whole list (lists are atomic here; the real server merges
 * `listType=map` lists per key). `metadata` contributes only `labels`/`annotations`/`finalizers`/`ownerReferences`,
 * and `status` is owned per subresource. Ownership is kept in `metadata.managedFields` in the real `FieldsV1` format
 * (`{"f:spec":{"f:replicas":{}}}`), so clients that read it see plausible data.
 */
export type FieldPath = string;

const SEP = '\u0000';
const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const OWNED_METADATA = new Set(['labels', 'annotations', 'finalizers', 'ownerReferences']);

/** Leaf paths of an object, joined by NUL (keys may contain dots). `apiVersion`/`kind`/system metadata are skipped. */
export function leafPaths(object: unknown): Set<FieldPath> {
  const out = new Set<FieldPath>();
  const walk = (value: unknown, prefix: string[]): void => {
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...prefix, k]);
    } else if (prefix.length > 0) out.add(prefix.join(SEP));
  };
  if (!isPlainObject(object)) return out;
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'metadata') {
      if (isPlainObject(value)) for (const m of OWNED_METADATA) if (value[m] !== undefined) walk(value[m], ['metadata', m]);
      continue;
    }
    walk(value, [key]);
  }
  return out;
}

function valueAt(object: unknown, path: FieldPath): unknown {
  let cur = object;
  for (const key of path.split(SEP)) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function deleteAt(object: Record<string, unknown>, path: FieldPath): void {
  const keys = path.split(SEP);
  const parents: Record<string, unknown>[] = [];
  let cur: unknown = object;
  for (const key of keys.slice(0, -1)) {
    if (!isPlainObject(cur)) return;
    parents.push(cur);
    cur = cur[key];
  }
  if (!isPlainObject(cur)) return;
  delete cur[keys[keys.length - 1]!];
  // Remove objects emptied by the deletion, like the real server does for fields nobody owns any more.
  for (let i = keys.length - 2; i >= 0; i -= 1) {
    const parent = parents[i]!;
    const child = parent[keys[i]!];
    if (isPlainObject(child) && Object.keys(child).length === 0 && !(i === 0 && keys[0] === 'metadata')) delete parent[keys[i]!];
    else break;
  }
}

/** Encodes a set of leaf paths as `FieldsV1` (`{"f:spec":{"f:replicas":{}}}`). */
export function toFieldsV1(paths: Iterable<FieldPath>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const path of paths) {
    let cur = root;
    for (const key of path.split(SEP)) {
      const k = `f:${key}`;
      cur[k] ??= {};
      cur = cur[k] as Record<string, unknown>;
    }
  }
  return root;
}

/** Decodes `FieldsV1` back to leaf paths (keys other than `f:` — `k:`, `v:`, `.` — end the path there). */
export function fromFieldsV1(fields: Record<string, unknown> | undefined): Set<FieldPath> {
  const out = new Set<FieldPath>();
  const walk = (node: Record<string, unknown>, prefix: string[]): void => {
    const children = Object.entries(node).filter(([k]) => k.startsWith('f:'));
    if (children.length === 0 && prefix.length > 0) out.add(prefix.join(SEP));
    for (const [k, v] of children) walk(isPlainObject(v) ? v : {}, [...prefix, k.slice(2)]);
  };
  if (fields) walk(fields, []);
  return out;
}

const displayPath = (path: FieldPath): string => `.${path.split(SEP).join('.')}`;
const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Inputs of one write, for managedFields bookkeeping. */
export interface OwnershipChange {
  readonly manager: string;
  readonly operation: 'Apply' | 'Update';
  readonly subresource: string;
  readonly apiVersion: string;
  readonly time: string;
}

/** Fields the write changed or added (for `Update`), or the applied configuration's fields (for `Apply`). */
function ownedBy(change: OwnershipChange, before: unknown, after: unknown, applied: unknown): Set<FieldPath> {
  if (change.operation === 'Apply') return leafPaths(applied);
  const changed = new Set<FieldPath>();
  for (const p of leafPaths(after)) if (!sameValue(valueAt(before, p), valueAt(after, p))) changed.add(p);
  return changed;
}

/**
 * Recomputes `managedFields` after a write: the writer gains the fields it set, other managers lose those fields,
 * and entries left with no fields are dropped. Returns the new entries.
 */
export function updateManagedFields(
  entries: readonly ManagedFieldsEntry[] | undefined,
  change: OwnershipChange,
  before: unknown,
  after: unknown,
  applied?: unknown,
): ManagedFieldsEntry[] {
  const taken = ownedBy(change, before, after, applied);
  const present = leafPaths(after);
  const result: ManagedFieldsEntry[] = [];
  let mine: Set<FieldPath> = change.operation === 'Apply' ? new Set() : new Set<FieldPath>();
  for (const entry of entries ?? []) {
    const fields = fromFieldsV1(entry.fieldsV1);
    const isMine =
      entry.manager === change.manager && entry.operation === change.operation && (entry.subresource ?? '') === change.subresource;
    if (isMine) {
      if (change.operation === 'Update') mine = fields;
      continue;
    }
    const kept = [...fields].filter((f) => !taken.has(f) && present.has(f));
    if (kept.length > 0) result.push({ ...entry, fieldsV1: toFieldsV1(kept) });
  }
  const merged = new Set([...mine].filter((f) => present.has(f)));
  for (const f of taken) merged.add(f);
  if (merged.size > 0 || change.operation === 'Apply') {
    result.push({
      manager: change.manager,
      operation: change.operation,
      apiVersion: change.apiVersion,
      time: change.time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(merged),
      ...(change.subresource ? { subresource: change.subresource } : {}),
    });
  }
  return result;
}

/**
 * Server-side apply on an existing object, approximated as a merge: the applied configuration is merged into the
 * live object (objects recursively, lists replaced whole), fields this manager applied before but has now dropped
 * are removed unless another manager also owns them, and a field whose applied value differs from the live value
 * while another manager owns it is a 409 Conflict unless `force` is set.
 */
export function serverSideApply(
  live: KubeObject,
  applied: Record<string, unknown>,
  manager: string,
  force: boolean,
  subresource: string,
): KubeObject {
  const entries = live.metadata.managedFields ?? [];
  const appliedPaths = leafPaths(applied);
  const conflicts: { manager: string; field: string }[] = [];
  const previouslyMine = new Set<FieldPath>();
  const ownedByOthers = new Set<FieldPath>();
  for (const entry of entries) {
    const fields = fromFieldsV1(entry.fieldsV1);
    if (entry.manager === manager && entry.operation === 'Apply' && (entry.subresource ?? '') === subresource) {
      for (const f of fields) previouslyMine.add(f);
      continue;
    }
    if (entry.manager === manager) continue;
    for (const f of fields) {
      ownedByOthers.add(f);
      if (appliedPaths.has(f) && !sameValue(valueAt(applied, f), valueAt(live, f)))
        conflicts.push({ manager: entry.manager, field: displayPath(f) });
    }
  }
  if (conflicts.length > 0 && !force) {
    const lines = conflicts.map((c) => `conflict with "${c.manager}": ${c.field}`);
    throw new KubeApiError(
      'Conflict',
      `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${lines.join('\n')}`,
      {
        causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: c.field })),
      },
    );
  }
  const merged = mergeApplied(live, applied) as KubeObject;
  for (const f of previouslyMine) {
    if (!appliedPaths.has(f) && !ownedByOthers.has(f)) deleteAt(merged as unknown as Record<string, unknown>, f);
  }
  return merged;
}

function mergeApplied(live: unknown, applied: unknown): unknown {
  if (!isPlainObject(applied)) return structuredClone(applied);
  const out: Record<string, unknown> = isPlainObject(live) ? { ...live } : {};
  for (const [k, v] of Object.entries(applied)) out[k] = v === null ? null : mergeApplied(out[k], v);
  return out;
}
