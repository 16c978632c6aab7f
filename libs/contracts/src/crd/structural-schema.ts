/**
 * Turns the JSON Schema that zod 4 emits (`z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0' })`)
 * into a Kubernetes *structural* schema (apiextensions.k8s.io/v1 `openAPIV3Schema`):
 * every node has a `type`, no `$ref`, no `anyOf` carrying types, no `additionalProperties: false`
 * (pruning already drops unknown fields), and list/map markers where the API server needs them.
 */
export type JsonSchema = { [key: string]: unknown };

/** Options of {@link toStructuralSchema}. */
export interface StructuralSchemaOptions {
  /** Drop every `default` (status schemas: the control plane writes complete values). @default false */
  readonly dropDefaults?: boolean;
}

// zod writes ±Number.MAX_SAFE_INTEGER as bounds of every int(); they say nothing to a user of `kubectl explain`.
const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;

/** Keys of the JSON Schema subset Kubernetes accepts in a structural schema. */
const ALLOWED_KEYS = new Set([
  'type',
  'format',
  'description',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
]);

/** Error thrown when a schema uses a construct that has no structural equivalent. */
export class CrdSchemaError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${message} (at ${path || '<root>'})`);
    this.name = 'CrdSchemaError';
  }
}

/**
 * Converts one zod-emitted JSON Schema into a structural schema.
 * @throws CrdSchemaError for a union of different shapes, which Kubernetes cannot express.
 */
export function toStructuralSchema(schema: JsonSchema, options: StructuralSchemaOptions = {}): JsonSchema {
  const definitions = {
    ...(schema.$defs as Record<string, JsonSchema> | undefined),
    ...(schema.definitions as Record<string, JsonSchema> | undefined),
  };
  return convert(schema, '', definitions, options, new Set());
}

function convert(
  node: JsonSchema,
  path: string,
  defs: Record<string, JsonSchema>,
  options: StructuralSchemaOptions,
  seen: Set<string>,
): JsonSchema {
  if (typeof node.$ref === 'string') {
    const name = node.$ref.replace(/^#\/(\$defs|definitions)\//, '');
    const target = defs[name];
    if (!target) throw new CrdSchemaError(`Unresolvable $ref ${node.$ref}`, path);
    if (seen.has(name)) throw new CrdSchemaError(`Recursive schema ${name} cannot be a CRD schema`, path);
    const { $ref: _ref, ...rest } = node;
    return convert({ ...target, ...rest }, path, defs, options, new Set([...seen, name]));
  }
  let working: JsonSchema = { ...node };
  const union = (working.anyOf ?? working.oneOf) as JsonSchema[] | undefined;
  if (union) {
    const { anyOf: _a, oneOf: _o, ...rest } = working;
    working = {
      ...mergeUnion(
        union.map((branch, i) => convert(branch, `${path}[${i}]`, defs, options, seen)),
        path,
      ),
      ...rest,
    };
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(working)) {
    if (!ALLOWED_KEYS.has(key)) continue;
    if (key === 'additionalProperties') {
      if (typeof value === 'object' && value !== null)
        out.additionalProperties = convert(value as JsonSchema, `${path}.*`, defs, options, seen);
      continue; // `false` is what pruning does anyway; `true` becomes preserve-unknown-fields below
    }
    if (key === 'default' && options.dropDefaults) continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [
          name,
          convert(child, `${path}.${name}`, defs, options, seen),
        ]),
      );
      continue;
    }
    if (key === 'items') {
      out.items = convert(value as JsonSchema, `${path}[]`, defs, options, seen);
      continue;
    }
    if ((key === 'maximum' && value === SAFE_INTEGER_BOUND) || (key === 'minimum' && value === -SAFE_INTEGER_BOUND)) continue;
    out[key] = value;
  }
  if (working.additionalProperties === true && !out.properties) out['x-kubernetes-preserve-unknown-fields'] = true;
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  if (out.type === undefined) {
    if (out.properties || out.additionalProperties) out.type = 'object';
    else if (out.items) out.type = 'array';
    else if (out['x-kubernetes-preserve-unknown-fields'] !== true) throw new CrdSchemaError('Schema node has no type', path);
  }
  if (out.type === 'number' && Array.isArray(out.enum) && out.enum.every((v) => Number.isInteger(v))) out.type = 'integer';
  return out;
}

/**
 * Kubernetes has no typed unions. Two cases are common in our schemas and both collapse cleanly:
 * a union of literals (`z.union([z.literal(1), …])` → one enum) and identical branches (tuples of numbers).
 */
function mergeUnion(branches: JsonSchema[], path: string): JsonSchema {
  const types = new Set(branches.map((b) => b.type));
  if (types.size !== 1) throw new CrdSchemaError(`Union of different types ${[...types].join(', ')} has no structural form`, path);
  if (branches.every((b) => Array.isArray(b.enum))) {
    const merged: JsonSchema = { type: branches[0]!.type, enum: [...new Set(branches.flatMap((b) => b.enum as unknown[]))] };
    return merged;
  }
  const first = JSON.stringify(branches[0]);
  if (branches.every((b) => JSON.stringify(b) === first)) return branches[0]!;
  throw new CrdSchemaError('Union of different object shapes has no structural form', path);
}

/** Marks a `conditions` array as a list-map keyed by `type`, as metav1.Condition lists are upstream. */
export function markConditionsListMap(schema: JsonSchema): JsonSchema {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  const conditions = properties?.conditions;
  if (!conditions) return schema;
  return {
    ...schema,
    properties: {
      ...properties,
      conditions: { ...conditions, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
    },
  };
}
