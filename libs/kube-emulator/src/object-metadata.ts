import { randomUUID } from 'node:crypto';
import type { KubeObject } from './types.js';

/** RFC 3339 with second precision, the way the API server writes timestamps. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A 5-character suffix from the alphabet `generateName` uses (no vowels, so no accidental words). */
export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return out;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a name is not a valid RFC 1123 subdomain, or undefined when it is. */
export function invalidNameReason(name: string): string | undefined {
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!DNS_SUBDOMAIN.test(name)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return undefined;
}

/** Fresh system metadata for a created object: uid, generation 1, creationTimestamp; server-owned fields cleared. */
export function initialMetadata(object: KubeObject, now: number): KubeObject {
  const { deletionTimestamp: _d, deletionGracePeriodSeconds: _g, resourceVersion: _r, ...rest } = object.metadata;
  return {
    ...object,
    metadata: { ...rest, uid: randomUUID(), generation: 1, creationTimestamp: rfc3339(now) },
  };
}

/** The part of an object whose change bumps `generation`: everything but metadata, status and type fields. */
export function specPart(object: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return JSON.stringify(rest);
}

/**
 * Carries server-owned metadata from the live object into an update and bumps `generation` when the spec part
 * changed: uid, creationTimestamp, name, namespace, deletionTimestamp and generation cannot be set by clients.
 */
export function carryOverMetadata(live: KubeObject, next: KubeObject): KubeObject {
  const generation = (live.metadata.generation ?? 1) + (specPart(live) === specPart(next) ? 0 : 1);
  const metadata = {
    ...next.metadata,
    name: live.metadata.name,
    uid: live.metadata.uid,
    creationTimestamp: live.metadata.creationTimestamp,
    generation,
    resourceVersion: live.metadata.resourceVersion,
  };
  if (live.metadata.namespace !== undefined) metadata.namespace = live.metadata.namespace;
  if (live.metadata.generateName !== undefined) metadata.generateName = live.metadata.generateName;
  if (live.metadata.deletionTimestamp !== undefined) {
    metadata.deletionTimestamp = live.metadata.deletionTimestamp;
    metadata.deletionGracePeriodSeconds = live.metadata.deletionGracePeriodSeconds ?? 0;
  } else {
    delete metadata.deletionTimestamp;
    delete metadata.deletionGracePeriodSeconds;
  }
  return { ...next, metadata };
}

/** True when two versions of an object differ in anything but resourceVersion and managedFields timestamps. */
export function hasMeaningfulChange(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { resourceVersion: _r, managedFields, ...meta } = o.metadata;
    const fields = (managedFields ?? []).map(({ time: _t, ...f }) => f);
    return JSON.stringify({ ...o, metadata: { ...meta, managedFields: fields } });
  };
  return strip(a) !== strip(b);
}
