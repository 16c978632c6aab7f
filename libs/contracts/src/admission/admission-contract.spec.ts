import { describe, expect, it } from 'vitest';
import { buildOpenApiSchema, COMPUTE_BUDGET_KIND, SCALING_LAW_KIND } from '../crd/custom-resource-definitions.js';
import type { JsonSchema } from '../crd/structural-schema.js';
import { trainRunSchema } from '../job-catalog.js';
import { computeBudgetSchema } from '../resources/compute-budget.js';
import { scalingLawSchema } from '../resources/scaling-law.js';
import { ADMISSION_LIMITS as L } from './admission-limits.js';
import { CORPUS_PATTERN, parseCorpusReference } from './corpus-reference.js';

const law = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };
const study = (spec: Record<string, unknown> = {}, sweep: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  metadata: { name: 'study', ...metadata },
  spec: { sweep: { budgets: [1e15, 1e16], simulate: { law }, ...sweep }, ...spec },
});
const budget = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}) => ({
  metadata: { name: 'budget', ...metadata },
  spec: { preset: 'chinchilla-2022', ...spec },
});

/** The dotted paths zod reports for an object, or [] when it is admitted. */
const refused = (schema: typeof scalingLawSchema | typeof computeBudgetSchema, value: unknown): string[] => {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.map(String).join('.'));
};

describe('the admission contract (zod): every field finite, bounded, named', () => {
  it.each([
    ['flops: 1e308', budget({ flops: 1e308 }), 'spec.flops'],
    ['flops: Infinity', budget({ flops: Number.POSITIVE_INFINITY }), 'spec.flops'],
    ['acceleratorHours.hours: 1e308', budget({ acceleratorHours: { hours: 1e308, accelerator: 'h100' } }), 'spec.acceleratorHours.hours'],
    [
      'a 65-character accelerator',
      budget({ acceleratorHours: { hours: 1, accelerator: 'x'.repeat(65) } }),
      'spec.acceleratorHours.accelerator',
    ],
    ['uniqueTokens: 0.5', budget({ flops: 1e21, uniqueTokens: 0.5 }), 'spec.uniqueTokens'],
    ['uniqueTokens: 1e300', budget({ flops: 1e21, uniqueTokens: 1e300 }), 'spec.uniqueTokens'],
    ['inference.tokens: 1e19', budget({ flops: 1e21, inference: { tokens: 1e19 } }), 'spec.inference.tokens'],
    ['seed: 2^31', budget({ flops: 1e21, seed: 2 ** 31 }), 'spec.seed'],
    ['scalingLaw: A_B', { metadata: { name: 'b' }, spec: { flops: 1e21, scalingLaw: 'A_B' } }, 'spec.scalingLaw'],
    ['namespace a/b', budget({ flops: 1e21 }, { namespace: 'a/b' }), 'metadata.namespace'],
    ['a 64-character name', budget({ flops: 1e21 }, { name: 'a'.repeat(64) }), 'metadata.name'],
    ['a label value with a space', budget({ flops: 1e21 }, { labels: { team: 'a b' } }), 'metadata.labels.team'],
    ['a label key with two slashes', budget({ flops: 1e21 }, { labels: { 'a/b/c': 'x' } }), 'metadata.labels.a/b/c'],
    [
      '65 labels',
      budget({ flops: 1e21 }, { labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }),
      'metadata.labels',
    ],
    ['annotations over 64 KiB', budget({ flops: 1e21 }, { annotations: { note: 'x'.repeat(65 * 1024) } }), 'metadata.annotations'],
    ['repeated finalizers', budget({ flops: 1e21 }, { finalizers: ['a.io/x', 'a.io/x'] }), 'metadata.finalizers'],
  ])('ComputeBudget: refuses %s, naming the field', (_what, value, field) => {
    expect(refused(computeBudgetSchema, value)).toContain(field);
  });

  it.each([
    ['sweep budgets: [1e300]', study({}, { budgets: [1e300] }), 'spec.sweep.budgets.0'],
    ['budgets equal in 3 significant figures', study({}, { budgets: [1e15, 1.0004e15] }), 'spec.sweep.budgets.1'],
    ['21 budgets', study({}, { budgets: Array.from({ length: 21 }, (_, i) => 1e12 * 2 ** i) }), 'spec.sweep.budgets'],
    [
      'a budget range too narrow for its count',
      study({}, { budgets: undefined, budgetRange: { min: 1e15, max: 1.01e15, count: 20 } }),
      'spec.sweep.budgetRange.count',
    ],
    [
      'budgetRange.max: 1e25',
      study({}, { budgets: undefined, budgetRange: { min: 1e15, max: 1e25, count: 3 } }),
      'spec.sweep.budgetRange.max',
    ],
    ['maxFlops: 1e31', study({}, { maxFlops: 1e31 }), 'spec.sweep.maxFlops'],
    [
      'target.atFlops: 1e31',
      study({ fit: { bootstrap: 20 } }, { target: { atFlops: 1e31, relativeHalfWidth: 0.2 } }),
      'spec.sweep.target.atFlops',
    ],
    ['fit.methods with 3,000 entries', study({ fit: { methods: Array(3000).fill(2) } }), 'spec.fit.methods'],
    ['fit.methods [2, 2]', study({ fit: { methods: [2, 2] } }), 'spec.fit.methods'],
    ['sweep.seed: 1e12', study({}, { seed: 1e12 }), 'spec.sweep.seed'],
    [
      'a simulated loss of 1e308',
      study({}, { simulate: { law: { ...law, irreducibleLoss: 1e308 } } }),
      'spec.sweep.simulate.law.irreducibleLoss',
    ],
    [
      'a simulated exponent of 50',
      study({}, { simulate: { law: { ...law, paramExponent: 50 } } }),
      'spec.sweep.simulate.law.paramExponent',
    ],
    ['corpus: /etc/passwd', study({ model: { corpus: '/etc/passwd' } }), 'spec.model.corpus'],
    ['corpus: ../x', study({ model: { corpus: '../x' } }), 'spec.model.corpus'],
    ['corpus: data/../../x', study({ model: { corpus: 'data/../../x' } }), 'spec.model.corpus'],
  ])('ScalingLaw: refuses %s, naming the field', (_what, value, field) => {
    expect(refused(scalingLawSchema, value)).toContain(field);
  });

  it('admits values at the limits', () => {
    expect(
      refused(
        computeBudgetSchema,
        budget({ flops: L.maxBudgetFlops, seed: L.maxSeed, uniqueTokens: L.maxTokens }, { namespace: 'a'.repeat(63) }),
      ),
    ).toEqual([]);
    expect(refused(computeBudgetSchema, budget({ acceleratorHours: { hours: L.maxAcceleratorHours, accelerator: 'h100' } }))).toEqual([]);
    expect(
      refused(
        scalingLawSchema,
        study({ model: { corpus: 'books/moby_dick-2.txt' }, fit: { methods: [3, 1, 2] } }, { budgets: [L.maxSweepBudgetFlops, 1e15] }),
      ),
    ).toEqual([]);
  });

  it('gives the job payload the same limits (the worker checks it before it trains)', () => {
    const run = { owner: { namespace: 'default', name: 'study' }, runId: 'c1e15-n1000', kind: 'sweep', params: 1000, tokens: 1e6 };
    expect(trainRunSchema.safeParse(run).success).toBe(true);
    for (const bad of [
      { owner: { namespace: 'a/b', name: 'study' } },
      { tokens: 2 ** 53 },
      { params: 1e14 },
      { corpus: '/etc/passwd' },
      { budgetFlops: 1e31 },
      { seed: 2 ** 32 },
      { runId: 'r'.repeat(129) },
    ])
      expect(trainRunSchema.safeParse({ ...run, ...bad }).success, JSON.stringify(bad)).toBe(false);
  });
});

describe('the generated CRD schemas carry the same limits', () => {
  const kinds = { ComputeBudget: COMPUTE_BUDGET_KIND, ScalingLaw: SCALING_LAW_KIND };
  const spec = (kind: keyof typeof kinds): JsonSchema => (buildOpenApiSchema(kinds[kind]).properties as Record<string, JsonSchema>).spec!;
  const at = (schema: JsonSchema, path: string): JsonSchema =>
    path
      .split('.')
      .reduce((node, key) => (key === '[]' ? (node.items as JsonSchema) : (node.properties as Record<string, JsonSchema>)[key]!), schema);

  it.each([
    ['ComputeBudget', 'flops', { maximum: L.maxBudgetFlops }],
    ['ComputeBudget', 'acceleratorHours.hours', { maximum: L.maxAcceleratorHours }],
    ['ComputeBudget', 'acceleratorHours.accelerator', { maxLength: L.maxAcceleratorNameLength }],
    ['ComputeBudget', 'uniqueTokens', { minimum: 1, maximum: L.maxTokens }],
    ['ComputeBudget', 'inference.tokens', { maximum: L.maxTokens }],
    ['ComputeBudget', 'seed', { maximum: L.maxSeed }],
    ['ComputeBudget', 'scalingLaw', { maxLength: L.maxNameLength, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }],
    ['ScalingLaw', 'sweep.budgets', { maxItems: L.maxSweepBudgets, 'x-kubernetes-list-type': 'set' }],
    ['ScalingLaw', 'sweep.budgets.[]', { maximum: L.maxSweepBudgetFlops }],
    ['ScalingLaw', 'sweep.budgetRange.max', { maximum: L.maxSweepBudgetFlops }],
    ['ScalingLaw', 'sweep.maxFlops', { maximum: L.maxBudgetFlops }],
    ['ScalingLaw', 'sweep.target.atFlops', { maximum: L.maxBudgetFlops }],
    ['ScalingLaw', 'sweep.seed', { maximum: L.maxSeed }],
    ['ScalingLaw', 'sweep.simulate.law.paramCoeff', { maximum: L.maxLawCoefficient }],
    ['ScalingLaw', 'sweep.simulate.law.dataExponent', { maximum: L.maxLawExponent }],
    ['ScalingLaw', 'fit.methods', { maxItems: 3, 'x-kubernetes-list-type': 'set' }],
    ['ScalingLaw', 'model.corpus', { pattern: CORPUS_PATTERN, maxLength: L.maxCorpusPathLength }],
  ] as const)('%s spec.%s has %j', (kind, path, expected) => {
    expect(at(spec(kind), path)).toMatchObject(expected);
  });

  // The CRD's pattern is what kubectl and the API server apply; the zod check gives the reason. They must agree.
  it.each([
    'moby-dick',
    'sotu',
    'books/a.txt',
    'a',
    '_x/y-z.1',
    '/etc/passwd',
    '../x',
    'a/../b',
    './a',
    'a//b',
    'a/',
    '.hidden',
    'a/.b',
    'C:\\x',
    'a b',
    'ä',
    '',
    'x'.repeat(255),
  ])('the corpus pattern and parseCorpusReference agree on %j', (reference) => {
    const byPattern = new RegExp(CORPUS_PATTERN).test(reference) && reference.length <= L.maxCorpusPathLength;
    expect(parseCorpusReference(reference).ok).toBe(byPattern);
  });
});
