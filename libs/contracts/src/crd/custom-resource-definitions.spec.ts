import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeBudgetSpecSchema } from '../resources/compute-budget.js';
import { scalingLawSpecSchema } from '../resources/scaling-law.js';
import { buildCustomResourceDefinition, buildOpenApiSchema, COMPUTE_BUDGET_KIND, SCALING_LAW_KIND } from './custom-resource-definitions.js';
import { CRD_OUTPUT_DIRS, renderCrdManifests } from './render-crds.js';
import { CrdSchemaError, type JsonSchema, toStructuralSchema } from './structural-schema.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Walks every schema node with its path. */
function* nodes(schema: JsonSchema, path = ''): Generator<[string, JsonSchema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries((schema.properties as Record<string, JsonSchema>) ?? {}))
    yield* nodes(child, `${path}.${name}`);
  if (schema.items) yield* nodes(schema.items as JsonSchema, `${path}[]`);
  if (typeof schema.additionalProperties === 'object') yield* nodes(schema.additionalProperties as JsonSchema, `${path}.*`);
}

describe('generated CRDs', () => {
  it.each(CRD_OUTPUT_DIRS)('match the checked-in files in %s (run `npm run generate:crds` after changing a schema)', (dir) => {
    for (const { fileName, yaml } of renderCrdManifests()) {
      expect(readFileSync(`${repoRoot}${dir}/${fileName}`, 'utf8'), `${dir}/${fileName} drifted from the generator`).toBe(yaml);
    }
  });

  it.each([COMPUTE_BUDGET_KIND, SCALING_LAW_KIND])(
    '$kind has a structural schema (typed nodes, no $ref/anyOf/additionalProperties:false)',
    (kind) => {
      const schema = buildOpenApiSchema(kind);
      for (const [path, node] of nodes(schema)) {
        expect(node.type ?? node['x-kubernetes-preserve-unknown-fields'], `type at ${path}`).toBeDefined();
        for (const forbidden of ['$ref', 'anyOf', 'oneOf', 'allOf', '$defs', '$schema'])
          expect(node, `${forbidden} at ${path}`).not.toHaveProperty(forbidden);
        expect(node.additionalProperties === false, `additionalProperties:false at ${path}`).toBe(false);
        if (node.properties && node.additionalProperties) throw new Error(`properties and additionalProperties together at ${path}`);
      }
      // metadata stays opaque: Kubernetes forbids constraints on it beyond name/generateName.
      expect((schema.properties as Record<string, JsonSchema>).metadata).toEqual({ type: 'object' });
    },
  );

  it('keeps validation that kubectl and the API server enforce', () => {
    const spec = (buildOpenApiSchema(COMPUTE_BUDGET_KIND).properties as Record<string, JsonSchema>).spec as JsonSchema;
    const props = spec.properties as Record<string, JsonSchema>;
    expect(props.flops).toMatchObject({
      type: 'number',
      minimum: 0,
      exclusiveMinimum: true,
      description: expect.stringContaining('FLOPs'),
    });
    expect(props.preset).toMatchObject({ type: 'string', enum: expect.arrayContaining(['chinchilla-2022']) });
    expect(props.method).toMatchObject({ type: 'integer', enum: [1, 2, 3] });
    expect(props.scalingLaw).toMatchObject({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' });
    expect((props.acceleratorHours as JsonSchema).required).toEqual(['hours', 'accelerator']);
    expect(props.seed).toEqual({ default: 0, description: 'Seed of the final run.', type: 'integer', minimum: 0, maximum: 2147483647 });
  });

  it('marks conditions as a list-map keyed by type', () => {
    const status = (buildOpenApiSchema(SCALING_LAW_KIND).properties as Record<string, JsonSchema>).status as JsonSchema;
    expect((status.properties as Record<string, JsonSchema>).conditions).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
  });

  it('declares names, categories, status subresource and the printer columns of the issue', () => {
    const crd = buildCustomResourceDefinition(COMPUTE_BUDGET_KIND) as { spec: { names: JsonSchema; versions: JsonSchema[] } };
    expect(crd.spec.names).toMatchObject({ shortNames: ['cb'], categories: ['scaleplan'], kind: 'ComputeBudget' });
    const version = crd.spec.versions[0]!;
    expect(version.subresources).toEqual({ status: {} });
    const visible = (v: JsonSchema) =>
      (v.additionalPrinterColumns as { name: string; priority?: number }[]).filter((c) => !c.priority).map((c) => c.name);
    expect(visible(version)).toEqual(['FLOPs', 'Law', 'N_opt', 'D_opt', 'Tokens/Param', 'Phase', 'Age']);
    const law = buildCustomResourceDefinition(SCALING_LAW_KIND) as { spec: { names: JsonSchema; versions: JsonSchema[] } };
    expect(law.spec.names.shortNames).toEqual(['sl']);
    expect(visible(law.spec.versions[0]!)).toEqual(['Runs', 'a', 'b', 'Verdict', 'Phase', 'Age']);
  });

  // The CEL rules must reject exactly what the zod superRefine rejects; check the examples against zod and the rule text.
  it.each([
    [computeBudgetSpecSchema, { preset: 'chinchilla-2022' }, 'give exactly one of spec.flops or spec.acceleratorHours'],
    [
      computeBudgetSpecSchema,
      { flops: 1e21, preset: 'chinchilla-2022', scalingLaw: 'x' },
      'give exactly one of spec.scalingLaw or spec.preset',
    ],
    [scalingLawSpecSchema, {}, 'give either spec.preset or spec.sweep'],
    [scalingLawSpecSchema, { preset: 'epoch-2024', sweep: { budgets: [1e15] } }, 'spec.preset and spec.sweep are mutually exclusive'],
    [scalingLawSpecSchema, { sweep: {} }, 'give spec.sweep.budgets or spec.sweep.budgetRange'],
    [scalingLawSpecSchema, { sweep: { budgetRange: { min: 2, max: 1, count: 2 } } }, 'budgetRange.min must not exceed budgetRange.max'],
  ])('CEL message %#  equals the zod superRefine message', (schema, input, message) => {
    const result = schema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toContain(message);
    const rules = [...COMPUTE_BUDGET_KIND.celRules, ...SCALING_LAW_KIND.celRules].map((r) => r.message);
    expect(rules).toContain(message);
  });
});

describe('toStructuralSchema', () => {
  it('inlines $ref and merges literal unions', () => {
    const out = toStructuralSchema({
      type: 'object',
      properties: {
        a: { $ref: '#/$defs/A' },
        b: {
          anyOf: [
            { type: 'number', enum: [1] },
            { type: 'number', enum: [2] },
          ],
        },
      },
      $defs: { A: { type: 'string', minLength: 1 } },
      additionalProperties: false,
    });
    expect(out).toEqual({ type: 'object', properties: { a: { type: 'string', minLength: 1 }, b: { type: 'integer', enum: [1, 2] } } });
  });

  it('rejects unions of different types with the path', () => {
    expect(() => toStructuralSchema({ type: 'object', properties: { x: { anyOf: [{ type: 'string' }, { type: 'number' }] } } })).toThrow(
      CrdSchemaError,
    );
    expect(() => toStructuralSchema({ type: 'object', properties: { x: { anyOf: [{ type: 'string' }, { type: 'number' }] } } })).toThrow(
      /at \.x/,
    );
  });

  it('turns open maps into preserve-unknown-fields and records into additionalProperties', () => {
    expect(toStructuralSchema({ type: 'object', additionalProperties: true })).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(toStructuralSchema({ type: 'object', additionalProperties: { type: 'string' } })).toEqual({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
  });
});
