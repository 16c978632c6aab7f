type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * RFC 7386 JSON merge patch that turns `from` into `to`: changed keys carry their new value, removed keys
 * `null`, arrays are replaced whole. Returns undefined when nothing changed (no request needed).
 */
export function createMergePatch(from: unknown, to: unknown): Json | undefined {
  if (!isObject(from) || !isObject(to)) return JSON.stringify(from) === JSON.stringify(to) ? undefined : (to as Json);
  const patch: Record<string, Json> = {};
  for (const key of Object.keys(from)) if (!(key in to) || to[key] === undefined) if (from[key] !== undefined) patch[key] = null;
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const child = key in from ? createMergePatch(from[key], value) : (value as Json);
    if (child !== undefined) patch[key] = child;
  }
  return Object.keys(patch).length === 0 ? undefined : patch;
}
