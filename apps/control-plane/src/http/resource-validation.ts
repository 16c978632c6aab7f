import {
  computeBudgetSchema,
  findPrototypeKey,
  parseYamlDocuments,
  REQUEST_LIMITS,
  scalingLawSchema,
  type ComputeBudget,
  type ScalingLaw,
} from '@scaleplan/contracts';
import type { z } from 'zod';
import { ControlPlaneError, type FieldProblem } from '../control-plane.errors.js';
import { budgetTooSmallReason } from '../planning/sweep-planner.js';
import { sweepProblems } from './sweep-admission.js';

/** zod issues → field problems with dotted paths (`spec.sweep.budgets.0`). */
export function fieldProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: issue.message,
  }));
}

/** A 400 listing the problems; a body with thousands of bad entries gets the first few and a count, not a huge answer. */
const invalid = (what: string, all: FieldProblem[]): ControlPlaneError => {
  const max = REQUEST_LIMITS.maxReportedProblems;
  const fields = all.length > max ? [...all.slice(0, max), { field: '(body)', message: `and ${all.length - max} more problems` }] : all;
  return new ControlPlaneError('Invalid', `Invalid ${what}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
};

/**
 * A request body as an object: JSON (already parsed by Express) or YAML text (one document), parsed with the
 * admission contract's YAML limits (size, nesting, aliases). Malformed or oversized YAML is a 400 naming the body.
 */
export function parseBody(body: unknown): unknown {
  let value = body;
  if (typeof body === 'string') {
    const parsed = parseYamlDocuments(body, { maxDocuments: 1 });
    if (!parsed.ok) throw invalid('YAML', [{ field: '(body)', message: parsed.reason }]);
    if (parsed.documents.length !== 1)
      throw invalid('body', [{ field: '(body)', message: `expected exactly one YAML document, got ${parsed.documents.length}` }]);
    value = parsed.documents[0];
  }
  const prototypeKey = findPrototypeKey(value);
  if (prototypeKey) throw invalid('body', [{ field: prototypeKey, message: '__proto__ is not a field name anywhere in a resource' }]);
  return value;
}

function withNamespace(body: unknown, namespace: string, kind: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(kind, [{ field: '(body)', message: `expected a ${kind} object (apiVersion, kind, metadata, spec)` }]);
  }
  const record = body as { metadata?: { namespace?: string } };
  const bodyNamespace = record.metadata?.namespace;
  if (bodyNamespace !== undefined && bodyNamespace !== namespace) {
    throw invalid(kind, [{ field: 'metadata.namespace', message: `is ${bodyNamespace}, but the URL names namespace ${namespace}` }]);
  }
  return { ...record, metadata: { ...(record.metadata ?? {}), namespace } };
}

/**
 * Validates a ScalingLaw body: the schema (the admission contract, corpus references included) and the sweep the
 * planner would lay out (every budget trainable, every run within what a job can hold).
 */
export function validateScalingLaw(body: unknown, namespace: string): ScalingLaw {
  const parsed = scalingLawSchema.safeParse(withNamespace(parseBody(body), namespace, 'ScalingLaw'));
  if (!parsed.success) throw invalid('ScalingLaw', fieldProblems(parsed.error));
  const law = parsed.data;
  const problems = sweepProblems(law);
  if (problems.length > 0) throw invalid('ScalingLaw', problems);
  return law;
}

/**
 * Validates a ComputeBudget body: schema, the budget resolvable and above the smallest run, and (when
 * `lawExists` can tell) the named ScalingLaw present.
 */
export async function validateComputeBudget(
  body: unknown,
  namespace: string,
  resolveFlops: (spec: ComputeBudget['spec']) => { ok: true; flops: number } | { ok: false; reason: string },
  lawExists: (name: string) => Promise<boolean>,
): Promise<ComputeBudget> {
  const parsed = computeBudgetSchema.safeParse(withNamespace(parseBody(body), namespace, 'ComputeBudget'));
  if (!parsed.success) throw invalid('ComputeBudget', fieldProblems(parsed.error));
  const budget = parsed.data;
  const problems: FieldProblem[] = [];
  const flops = resolveFlops(budget.spec);
  const flopsField = budget.spec.flops !== undefined ? 'spec.flops' : 'spec.acceleratorHours';
  if (!flops.ok) problems.push({ field: flopsField, message: flops.reason });
  else {
    const reason = budgetTooSmallReason(flops.flops, { tokenizer: 'byte', sequenceLength: 64 });
    if (reason) problems.push({ field: flopsField, message: reason });
  }
  if (budget.spec.scalingLaw && !(await lawExists(budget.spec.scalingLaw))) {
    problems.push({
      field: 'spec.scalingLaw',
      message: `ScalingLaw ${namespace}/${budget.spec.scalingLaw} does not exist; create it first or use spec.preset`,
    });
  }
  if (problems.length > 0) throw invalid('ComputeBudget', problems);
  return budget;
}
