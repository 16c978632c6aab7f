import type { StatusCause } from './errors.js';
import type { JsonSchema } from './types.js';

/** What a validation pass found, plus the object after pruning unknown fields and applying schema defaults. */
export interface SchemaValidationResult {
  /** The object with unknown fields pruned and `default`s filled in (what the server stores). */
  readonly value: unknown;
  /** Field errors in the real API server's wording (`Invalid value: -1: spec.x in body should be …`). */
  readonly causes: readonly StatusCause[];
  /** Paths of fields the schema does not declare (`spec.colour`): rejected under Strict, warned under Warn. */
  readonly unknownFields: readonly string[];
}

const ROOT_IMPLICIT = new Set(['apiVersion', 'kind', 'metadata']);

/** Go's %v for a JSON value, as the API server prints invalid values (strings quoted, numbers plain). */
export function formatInvalidValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(schema: JsonSchema, value: unknown): boolean {
  const actual = typeOf(value);
  if (schema['x-kubernetes-int-or-string']) return actual === 'integer' || actual === 'string';
  if (!schema.type) return true;
  if (schema.type === 'number') return actual === 'number' || actual === 'integer';
  return actual === schema.type;
}

const joinPath = (base: string, key: string): string => (base ? `${base}.${key}` : key);

const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  hostname: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
};

/**
 * Validates a custom resource against its CRD's structural `openAPIV3Schema`, the way kube-apiserver does: types,
 * `required`, `enum`, `minimum`/`maximum` (and exclusive), string length, `pattern`, item and property counts,
 * `nullable`, `x-kubernetes-int-or-string`, `x-kubernetes-preserve-unknown-fields`; it also prunes undeclared
 * fields and applies `default`s. Top-level `apiVersion`, `kind` and `metadata` are implicit and not checked.
 */
export function validateAgainstSchema(object: unknown, schema: JsonSchema | undefined): SchemaValidationResult {
  const causes: StatusCause[] = [];
  const unknownFields: string[] = [];
  if (!schema) return { value: object, causes, unknownFields };

  /** minItems/maxItems or minProperties/maxProperties, in the API server's words (its "at most" says items for both). */
  const checkCount = (path: string, count: number, min: number | undefined, max: number | undefined, noun: 'items' | 'properties') => {
    if (min !== undefined && count < min) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: ${count}: ${path} in body should have at least ${min} ${noun}`,
      });
    }
    if (max !== undefined && count > max) {
      causes.push({ reason: 'FieldValueTooMany', field: path, message: `Too many: ${count}: must have at most ${max} items` });
    }
  };

  const walk = (value: unknown, s: JsonSchema, path: string, isRoot: boolean): unknown => {
    if (value === null) {
      if (s.nullable) return null;
      if (s.type || s['x-kubernetes-int-or-string']) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: "null": ${path} in body must be of type ${s.type ?? 'integer-or-string'}: "null"`,
        });
      }
      return null;
    }
    if (!typeMatches(s, value)) {
      const actual = typeOf(value);
      causes.push({
        reason: 'FieldValueInvalid',
        field: path,
        message: `Invalid value: "${actual}": ${path} in body must be of type ${s.type ?? 'integer-or-string'}: "${actual}"`,
      });
      return value;
    }
    if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
      causes.push({
        reason: 'FieldValueNotSupported',
        field: path,
        message: `Unsupported value: ${formatInvalidValue(value)}: supported values: ${s.enum.map((e) => formatInvalidValue(e)).join(', ')}`,
      });
    }
    if (typeof value === 'number') {
      if (s.minimum !== undefined && (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum)) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: ${formatInvalidValue(value)}: ${path} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`,
        });
      }
      if (s.maximum !== undefined && (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum)) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: ${formatInvalidValue(value)}: ${path} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`,
        });
      }
    }
    if (typeof value === 'string') {
      const length = [...value].length;
      if (s.minLength !== undefined && length < s.minLength) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: ${formatInvalidValue(value)}: ${path} in body should be at least ${s.minLength} chars long`,
        });
      }
      if (s.maxLength !== undefined && length > s.maxLength) {
        causes.push({ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${s.maxLength} bytes` });
      }
      if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value)) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: ${formatInvalidValue(value)}: ${path} in body should match '${s.pattern}'`,
        });
      }
      const format = s.format ? FORMATS[s.format] : undefined;
      if (format && !format.test(value)) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: ${formatInvalidValue(value)}: ${path} in body must be of type ${s.format}: ${formatInvalidValue(value)}`,
        });
      }
    }
    if (Array.isArray(value)) {
      checkCount(path, value.length, s.minItems, s.maxItems, 'items');
      const items = s.items;
      return items ? value.map((v, i) => walk(v, items, `${path}[${i}]`, false)) : value;
    }
    if (typeOf(value) === 'object') {
      const record = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      const keys = Object.keys(record);
      checkCount(path, keys.length, s.minProperties, s.maxProperties, 'properties');
      const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
      const additional = typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined;
      const openMap = s.additionalProperties === true || (!s.properties && !additional && (preserve || !s.type));
      for (const key of keys) {
        const child = record[key];
        const childPath = joinPath(path, key);
        if (isRoot && ROOT_IMPLICIT.has(key)) {
          out[key] = child;
        } else if (s.properties?.[key]) {
          out[key] = walk(child, s.properties[key]!, childPath, false);
        } else if (additional) {
          out[key] = walk(child, additional, childPath, false);
        } else if (preserve || openMap) {
          out[key] = child;
        } else {
          unknownFields.push(childPath);
        }
      }
      for (const [key, prop] of Object.entries(s.properties ?? {})) {
        if (out[key] === undefined && prop.default !== undefined) out[key] = structuredClone(prop.default);
      }
      for (const key of s.required ?? []) {
        if (out[key] === undefined) causes.push({ reason: 'FieldValueRequired', field: joinPath(path, key), message: 'Required value' });
      }
      return out;
    }
    return value;
  };

  const value = walk(object, schema, '', true);
  return { value, causes, unknownFields };
}
