import { z } from 'zod';
import { API_GROUP, API_VERSION, ResourceKind } from '../resources/api-group.js';
import { computeBudgetSpecSchema, computeBudgetStatusSchema } from '../resources/compute-budget.js';
import { scalingLawSpecSchema, scalingLawStatusSchema } from '../resources/scaling-law.js';
import { type JsonSchema, markConditionsListMap, toStructuralSchema } from './structural-schema.js';

/** One entry of a CRD version's `additionalPrinterColumns`. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'number' | 'integer' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
}

/** A CEL rule (`x-kubernetes-validations`) at a path inside `spec`, mirroring one zod `superRefine` check. */
export interface CelRule {
  /** Property path below `spec` where the rule sits ([] = spec itself). */
  readonly at: readonly string[];
  readonly rule: string;
  readonly message: string;
}

/** What the generator needs to know about one kind. */
export interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly description: string;
  readonly specSchema: z.ZodType;
  readonly statusSchema: z.ZodType;
  readonly printerColumns: readonly PrinterColumn[];
  readonly celRules: readonly CelRule[];
}

/** Categories both kinds belong to: `kubectl get scaleplan` lists budgets and laws together. */
export const CRD_CATEGORIES = ['scaleplan'] as const;

const AGE_COLUMN: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const READY_COLUMN: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  priority: 1,
};

/**
 * The ComputeBudget kind. The CEL rules repeat the cross-field checks of `computeBudgetSpecSchema`'s
 * superRefine with the same messages; the control plane checks them again (an API server without CEL
 * admits such objects) and reports a Degraded condition.
 */
export const COMPUTE_BUDGET_KIND: KindDefinition = {
  kind: ResourceKind.ComputeBudget,
  plural: 'computebudgets',
  singular: 'computebudget',
  shortNames: ['cb'],
  description:
    'A compute budget (FLOPs or accelerator-hours) that ScalePlan turns into a compute-optimal allocation: model size N_opt and training tokens D_opt.',
  specSchema: computeBudgetSpecSchema,
  statusSchema: computeBudgetStatusSchema,
  printerColumns: [
    { name: 'FLOPs', type: 'number', jsonPath: '.status.flops', description: 'Resolved compute budget in FLOPs.' },
    { name: 'Law', type: 'string', jsonPath: '.status.lawName', description: 'Scaling law used for the allocation.' },
    {
      name: 'N_opt',
      type: 'string',
      jsonPath: '.status.allocation.paramsColumn',
      description: 'Compute-optimal parameter count with its interval, e.g. 2.78B [2.10B–3.60B].',
    },
    {
      name: 'D_opt',
      type: 'string',
      jsonPath: '.status.allocation.tokensColumn',
      description: 'Compute-optimal training tokens with its interval.',
    },
    { name: 'Tokens/Param', type: 'number', jsonPath: '.status.allocation.tokensPerParam', description: 'D_opt / N_opt.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    READY_COLUMN,
    {
      name: 'Loss',
      type: 'number',
      jsonPath: '.status.allocation.predictedLoss',
      description: 'Predicted final loss (nats/token).',
      priority: 1,
    },
    {
      name: 'Provisional',
      type: 'boolean',
      jsonPath: '.status.allocation.provisional',
      description: 'True while the law is not Ready (still measuring or not trusted).',
      priority: 1,
    },
    AGE_COLUMN,
  ],
  celRules: [
    { at: [], rule: 'has(self.flops) != has(self.acceleratorHours)', message: 'give exactly one of spec.flops or spec.acceleratorHours' },
    { at: [], rule: 'has(self.scalingLaw) != has(self.preset)', message: 'give exactly one of spec.scalingLaw or spec.preset' },
  ],
};

/** The ScalingLaw kind (a preset, or an IsoFLOP sweep that measures the law). */
export const SCALING_LAW_KIND: KindDefinition = {
  kind: ResourceKind.ScalingLaw,
  plural: 'scalinglaws',
  singular: 'scalinglaw',
  shortNames: ['sl'],
  description:
    'A scaling-law study: a published preset, or an IsoFLOP sweep of small training runs to which ScalePlan fits the allocation mapping.',
  specSchema: scalingLawSpecSchema,
  statusSchema: scalingLawStatusSchema,
  printerColumns: [
    { name: 'Runs', type: 'string', jsonPath: '.status.runsSummary', description: 'Finished runs / planned runs.' },
    { name: 'a', type: 'number', jsonPath: '.status.primaryFit.a', description: 'Fitted exponent of N_opt ∝ C^a.' },
    { name: 'b', type: 'number', jsonPath: '.status.primaryFit.b', description: 'Fitted exponent of D_opt ∝ C^b.' },
    {
      name: 'Verdict',
      type: 'string',
      jsonPath: '.status.verdict.reason',
      description: 'Trust verdict of the primary fit: Trusted, or why not (InsufficientEvidence, IllConditioned, …).',
    },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    READY_COLUMN,
    { name: 'Simulated', type: 'boolean', jsonPath: '.status.simulated', priority: 1 },
    AGE_COLUMN,
  ],
  celRules: [
    { at: [], rule: 'has(self.preset) || has(self.sweep)', message: 'give either spec.preset or spec.sweep' },
    { at: [], rule: '!(has(self.preset) && has(self.sweep))', message: 'spec.preset and spec.sweep are mutually exclusive' },
    { at: ['sweep'], rule: 'has(self.budgets) || has(self.budgetRange)', message: 'give spec.sweep.budgets or spec.sweep.budgetRange' },
    { at: ['sweep', 'budgetRange'], rule: 'self.min <= self.max', message: 'budgetRange.min must not exceed budgetRange.max' },
  ],
};

/** Both kinds, in the order their files are written. */
export const SCALEPLAN_KINDS: readonly KindDefinition[] = [COMPUTE_BUDGET_KIND, SCALING_LAW_KIND];

function withCelRules(spec: JsonSchema, rules: readonly CelRule[]): JsonSchema {
  let result = spec;
  for (const { at, rule, message } of rules) result = addRuleAt(result, at, { rule, message });
  return result;
}

function addRuleAt(node: JsonSchema, at: readonly string[], rule: { rule: string; message: string }): JsonSchema {
  if (at.length === 0) {
    const existing = (node['x-kubernetes-validations'] as unknown[] | undefined) ?? [];
    return { ...node, 'x-kubernetes-validations': [...existing, rule] };
  }
  const [head, ...rest] = at;
  const properties = node.properties as Record<string, JsonSchema> | undefined;
  const child = properties?.[head!];
  if (!child) throw new Error(`CEL rule path ${at.join('.')} does not exist in the schema`);
  return { ...node, properties: { ...properties, [head!]: addRuleAt(child, rest, rule) } };
}

/** The `openAPIV3Schema` of one kind: apiVersion/kind/metadata as Kubernetes allows, spec with validation, status. */
export function buildOpenApiSchema(definition: KindDefinition): JsonSchema {
  const spec = toStructuralSchema(z.toJSONSchema(definition.specSchema, { io: 'input', target: 'openapi-3.0' }) as JsonSchema);
  // Status is read with io "input" too: fields that have a zod default are optional, so a partial merge patch stays valid.
  const status = markConditionsListMap(
    toStructuralSchema(z.toJSONSchema(definition.statusSchema, { io: 'input', target: 'openapi-3.0' }) as JsonSchema, {
      dropDefaults: true,
    }),
  );
  return {
    type: 'object',
    description: definition.description,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { type: 'object' },
      spec: withCelRules(spec, definition.celRules),
      status: { ...status, description: 'Observed state, written by the ScalePlan control plane through the status subresource.' },
    },
    required: ['spec'],
  };
}

/** The apiextensions.k8s.io/v1 CustomResourceDefinition of one kind. */
export function buildCustomResourceDefinition(definition: KindDefinition): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${definition.plural}.${API_GROUP}`,
      labels: { 'app.kubernetes.io/name': 'scaleplan', 'app.kubernetes.io/part-of': 'scaleplan' },
    },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: [...definition.shortNames],
        categories: [...CRD_CATEGORIES],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.printerColumns.map((column) => ({ ...column })),
          schema: { openAPIV3Schema: buildOpenApiSchema(definition) },
        },
      ],
    },
  };
}

/** File name of a kind's CRD manifest in `k8s/crds/` and `helm/scaleplan/crds/`. */
export const crdFileName = (definition: KindDefinition): string => `${API_GROUP}_${definition.plural}.yaml`;
