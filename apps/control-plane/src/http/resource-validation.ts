import { computeBudgetSchema, scalingLawSchema, type ComputeBudget, type ScalingLaw } from '@scaleplan/contracts';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { ControlPlaneError, type FieldProblem } from '../control-plane.errors.js';
import { budgetTooSmallReason, resolveBudgets } from '../planning/sweep-planner.js';

/** zod issues → field problems with dotted paths (`spec.sweep.budgets.0`). */
export function fieldProblems(error: z.ZodError, prefix = ''): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: issue.message,
  }));
}

const invalid = (what: string, fields: FieldProblem[]): ControlPlaneError =>
  new ControlPlaneError('Invalid', `Invalid ${what}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);

/**
 * A request body as an object: JSON (already parsed by Express) or YAML text (one document).
 * Malformed YAML is a 400 naming the line.
 */
export function parseBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  const documents = parseAllDocuments(body);
  const docs = Array.isArray(documents) ? documents : [documents];
  const errors = docs.flatMap((doc) => doc.errors);
  if (errors.length > 0) {
    throw invalid(
      'YAML',
      errors.map((e) => ({ field: '(body)', message: e.message.split('\n')[0] as string })),
    );
  }
  const values = docs.map((doc) => doc.toJS() as unknown).filter((v) => v !== null && v !== undefined);
  if (values.length !== 1)
    throw invalid('body', [{ field: '(body)', message: `expected exactly one YAML document, got ${values.length}` }]);
  return values[0];
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

/** Validates a ScalingLaw body (schema + budgets large enough for the smallest model). */
export function validateScalingLaw(body: unknown, namespace: string): ScalingLaw {
  const parsed = scalingLawSchema.safeParse(withNamespace(parseBody(body), namespace, 'ScalingLaw'));
  if (!parsed.success) throw invalid('ScalingLaw', fieldProblems(parsed.error));
  const law = parsed.data;
  const sweep = law.spec.sweep;
  if (sweep) {
    const problems: FieldProblem[] = [];
    if (sweep.budgets) {
      sweep.budgets.forEach((flops, i) => {
        const reason = budgetTooSmallReason(flops, law.spec.model);
        if (reason) problems.push({ field: `spec.sweep.budgets.${i}`, message: reason });
      });
    } else {
      const smallest = resolveBudgets(sweep)[0];
      const reason = smallest !== undefined ? budgetTooSmallReason(smallest, law.spec.model) : undefined;
      if (reason) problems.push({ field: 'spec.sweep.budgetRange.min', message: reason });
    }
    if (
      sweep.simulate === undefined &&
      law.spec.model.corpus.startsWith('/') === false &&
      !['moby-dick', 'sotu'].includes(law.spec.model.corpus)
    ) {
      problems.push({
        field: 'spec.model.corpus',
        message: `unknown corpus ${law.spec.model.corpus}: use moby-dick, sotu or an absolute path`,
      });
    }
    if (problems.length > 0) throw invalid('ScalingLaw', problems);
  }
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
