import { describe, expect, it } from 'vitest';
import { validateAgainstSchema } from './schema-validation.js';
import type { JsonSchema } from './types.js';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['replicas', 'colour'],
      properties: {
        replicas: { type: 'integer', minimum: 0, maximum: 10 },
        ratio: { type: 'number', minimum: 0, exclusiveMinimum: true },
        colour: { type: 'string', enum: ['red', 'green'] },
        label: { type: 'string', pattern: '^[a-z]+$', minLength: 2 },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
        size: { type: 'string', default: 'medium' },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        limits: { type: 'object', additionalProperties: { type: 'integer' } },
        port: { 'x-kubernetes-int-or-string': true },
        note: { type: 'string', nullable: true },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

const check = (spec: unknown) => validateAgainstSchema({ apiVersion: 'x/v1', kind: 'W', metadata: { name: 'w' }, spec }, schema);

describe('validateAgainstSchema', () => {
  it('accepts a valid object, applies defaults and keeps apiVersion/kind/metadata', () => {
    const r = check({ replicas: 2, colour: 'red', port: 'http', note: null, extra: { any: { thing: 1 } }, limits: { cpu: 2 } });
    expect(r.causes).toEqual([]);
    expect(r.unknownFields).toEqual([]);
    expect(r.value).toMatchObject({ apiVersion: 'x/v1', metadata: { name: 'w' }, spec: { size: 'medium', extra: { any: { thing: 1 } } } });
  });

  it.each([
    [{ replicas: -1, colour: 'red' }, 'spec.replicas', 'Invalid value: -1: spec.replicas in body should be greater than or equal to 0'],
    [{ replicas: 11, colour: 'red' }, 'spec.replicas', 'Invalid value: 11: spec.replicas in body should be less than or equal to 10'],
    [{ replicas: 1, colour: 'red', ratio: 0 }, 'spec.ratio', 'Invalid value: 0: spec.ratio in body should be greater than 0'],
    [{ replicas: 1.5, colour: 'red' }, 'spec.replicas', 'Invalid value: "number": spec.replicas in body must be of type integer: "number"'],
    [{ replicas: '1', colour: 'red' }, 'spec.replicas', 'Invalid value: "string": spec.replicas in body must be of type integer: "string"'],
    [{ replicas: 1, colour: 'blue' }, 'spec.colour', 'Unsupported value: "blue": supported values: "red", "green"'],
    [{ replicas: 1, colour: 'red', label: 'A1' }, 'spec.label', 'Invalid value: "A1": spec.label in body should match \'^[a-z]+$\''],
    [{ replicas: 1, colour: 'red', label: 'a' }, 'spec.label', 'Invalid value: "a": spec.label in body should be at least 2 chars long'],
    [{ replicas: 1, colour: 'red', tags: ['a', 'b', 'c'] }, 'spec.tags', 'Too many: 3: must have at most 2 items'],
    [
      { replicas: 1, colour: 'red', tags: [1] },
      'spec.tags[0]',
      'Invalid value: "integer": spec.tags[0] in body must be of type string: "integer"',
    ],
    [
      { replicas: 1, colour: 'red', port: 1.5 },
      'spec.port',
      'Invalid value: "number": spec.port in body must be of type integer-or-string: "number"',
    ],
    [
      { replicas: 1, colour: 'red', limits: { cpu: 'x' } },
      'spec.limits.cpu',
      'Invalid value: "string": spec.limits.cpu in body must be of type integer: "string"',
    ],
    [{ colour: 'red' }, 'spec.replicas', 'Required value'],
  ])('%j → %s', (spec, field, message) => {
    expect(check(spec).causes).toContainEqual(expect.objectContaining({ field, message }));
  });

  it('reports every unknown field and prunes it', () => {
    const r = check({ replicas: 1, colour: 'red', flavour: 'x', nested: { a: 1 } });
    expect(r.unknownFields).toEqual(['spec.flavour', 'spec.nested']);
    expect(r.causes).toEqual([]);
    expect((r.value as { spec: object }).spec).not.toHaveProperty('flavour');
  });

  it('reports unknown top-level fields but not apiVersion/kind/metadata', () => {
    const r = validateAgainstSchema(
      { apiVersion: 'x/v1', kind: 'W', metadata: {}, spec: { replicas: 1, colour: 'red' }, spek: {} },
      schema,
    );
    expect(r.unknownFields).toEqual(['spek']);
  });

  it('passes everything through without a schema', () => {
    expect(validateAgainstSchema({ a: 1 }, undefined)).toEqual({ value: { a: 1 }, causes: [], unknownFields: [] });
  });
});
