import jsonPatch from 'fast-json-patch';
import { KubeApiError } from './errors.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, everything else (arrays too) replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

/** RFC 6902 JSON patch (via fast-json-patch); a failed operation or `test` is a 422 like the real server. */
export function applyJsonPatch<T>(target: T, operations: unknown): T {
  if (!Array.isArray(operations)) {
    throw new KubeApiError('BadRequest', 'the body of a json-patch must be an array of operations ({"op","path","value"})');
  }
  try {
    return jsonPatch.applyPatch(structuredClone(target), operations as jsonPatch.Operation[], true, true, true).newDocument;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new KubeApiError(
      'Invalid',
      `the server rejected our request due to an error in our request: json patch failed: ${message}`,
      undefined,
      { cause: error },
    );
  }
}

/** List fields whose elements strategic-merge-patch merges by key, for the built-in kinds the emulator serves. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  conditions: 'type',
  tolerations: 'key',
  subjects: 'name',
  ownerReferences: 'uid',
};

/**
 * Strategic merge patch, approximated for built-in kinds: a merge patch where the list fields of `MERGE_KEYS` merge
 * element-wise by their key, `$patch: delete` removes an element, `$patch: replace` replaces, and the other
 * directives (`$setElementOrder/…`, `$retainKeys`, `$deleteFromPrimitiveList/…`) are ignored.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, field = ''): unknown {
  if (Array.isArray(patch)) {
    const mergeKey = MERGE_KEYS[field];
    if (!mergeKey || !Array.isArray(target)) return structuredClone(patch.filter((p) => !(isPlainObject(p) && p.$patch)));
    if (patch.some((p) => isPlainObject(p) && p.$patch === 'replace')) return patch.filter((p) => !(isPlainObject(p) && p.$patch));
    const out = structuredClone(target) as unknown[];
    for (const element of patch) {
      if (!isPlainObject(element)) continue;
      const index = out.findIndex((e) => isPlainObject(e) && e[mergeKey] === element[mergeKey]);
      if (element.$patch === 'delete') {
        if (index >= 0) out.splice(index, 1);
      } else if (index >= 0) out[index] = applyStrategicMergePatch(out[index], element);
      else out.push(applyStrategicMergePatch({}, element));
    }
    return out;
  }
  if (!isPlainObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _ignored, ...rest } = patch;
    return structuredClone(rest);
  }
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue;
    if (value === null) delete out[key];
    else out[key] = applyStrategicMergePatch(out[key], value, key);
  }
  return out;
}

/** Recursively strips `$`-directives (a strategic patch used as a plain object, e.g. for a create). */
export function stripPatchDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !(isPlainObject(v) && v.$patch === 'delete')).map(stripPatchDirectives);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !k.startsWith('$'))
      .map(([k, v]) => [k, stripPatchDirectives(v)]),
  );
}
