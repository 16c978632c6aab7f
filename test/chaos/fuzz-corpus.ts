import { gzipSync } from 'node:zlib';

// The fuzz corpus of `npm run test:chaos` (test/chaos/fuzz.spec.ts): bad requests generated in code, each
// one a body or URL the control plane must refuse with a 4xx and a message. Categories follow issue 13:
// numbers, types, sizes, names, encodings, YAML tricks, prototype pollution, huge and deep documents.

/** The kind of badness a case exercises (the rows of the printed table). */
export type FuzzCategory = 'numbers' | 'types' | 'sizes' | 'names' | 'encodings' | 'yaml' | 'prototype' | 'huge-deep' | 'routes';

/** One request the control plane must refuse. */
export interface FuzzCase {
  readonly category: FuzzCategory;
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** The field the 400 must name (the answer's `fields`), when the case targets one: it is refused for the right reason. */
  readonly field?: string;
}

/** The two objects stored before fuzzing; PUTs aim at them, and they must come out unchanged. */
export const KEPT = { law: 'keep-law', budget: 'keep-budget', namespace: 'fuzz' } as const;

const SIMULATED_LAW = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };

/** A valid ScalingLaw: a small simulated sweep. */
export const validLaw = (name: string): Record<string, unknown> => ({
  apiVersion: 'scaleplan.dev/v1alpha1',
  kind: 'ScalingLaw',
  metadata: { name, namespace: KEPT.namespace },
  spec: {
    sweep: { budgets: [1e15, 1e16, 1e17], sizesPerBudget: 3, simulate: { law: SIMULATED_LAW, noise: 0.005, durationMs: 0 } },
    fit: { methods: [2], primaryMethod: 2, bootstrap: 0 },
  },
});

/** A valid ComputeBudget on a preset. */
export const validBudget = (name: string): Record<string, unknown> => ({
  apiVersion: 'scaleplan.dev/v1alpha1',
  kind: 'ComputeBudget',
  metadata: { name, namespace: KEPT.namespace },
  spec: { flops: 1e21, preset: 'chinchilla-2022' },
});

type Kind = 'law' | 'budget';
const PLURAL: Record<Kind, string> = { law: 'scalinglaws', budget: 'computebudgets' };
const collection = (kind: Kind, namespace: string = KEPT.namespace): string => `/api/v1/namespaces/${namespace}/${PLURAL[kind]}`;
const kept = (kind: Kind): string => `${collection(kind)}/${kind === 'law' ? KEPT.law : KEPT.budget}`;

/** A copy of `base` with `value` at the dotted `path` (undefined deletes the field). */
function withField(base: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(base);
  const keys = path.split('.');
  let node = copy as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys.at(-1)!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const YAML_TYPE = { 'content-type': 'application/yaml' };
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/**
 * The corpus. Every field mutation is sent twice: as a new object (POST: nothing may be created) and as an
 * update of a stored one (PUT: it must stay as it was).
 */
export function buildFuzzCorpus(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  let serial = 0;
  const add = (c: Omit<FuzzCase, 'headers'> & { headers?: Record<string, string> }): void => {
    cases.push({ headers: JSON_TYPE, ...c });
  };
  /** A bad value at `path` of a valid object, as POST and as PUT. */
  const field = (category: FuzzCategory, kind: Kind, path: string, value: unknown, label?: string, named = path): void => {
    const name = `${label ?? `${path} = ${JSON.stringify(value)?.slice(0, 40)}`}`;
    const fresh = `fuzz-${++serial}`;
    const base = kind === 'law' ? validLaw : validBudget;
    add({
      category,
      name: `POST ${kind} ${name}`,
      method: 'POST',
      path: collection(kind),
      body: json(withField(base(fresh), path, value)),
      field: named,
    });
    const keptName = kind === 'law' ? KEPT.law : KEPT.budget;
    add({
      category,
      name: `PUT ${kind} ${name}`,
      method: 'PUT',
      path: kept(kind),
      body: json(withField(base(keptName), path, value)),
      field: named,
    });
  };
  /** Raw body text sent as a new object. */
  const raw = (category: FuzzCategory, name: string, kind: Kind, body: string | Buffer, headers: Record<string, string> = JSON_TYPE) =>
    add({ category, name, method: 'POST', path: collection(kind), headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) });

  numbers(field, raw, add);
  types(field, raw);
  sizes(field, raw);
  names(field, add);
  encodings(raw);
  yamlTricks(raw);
  prototypePollution(raw);
  hugeAndDeep(field, raw);
  routes(add);
  return cases;
}

type Field = (category: FuzzCategory, kind: Kind, path: string, value: unknown, label?: string, named?: string) => void;
type Raw = (category: FuzzCategory, name: string, kind: Kind, body: string | Buffer, headers?: Record<string, string>) => void;
type Add = (c: Omit<FuzzCase, 'headers'> & { headers?: Record<string, string> }) => void;

function numbers(field: Field, raw: Raw, add: Add): void {
  const budgetNumbers: [string, unknown][] = [
    ['spec.flops', 1e308],
    ['spec.flops', 1e31],
    ['spec.flops', -1],
    ['spec.flops', 0],
    ['spec.flops', 1000],
    ['spec.flops', 'NaN'],
    ['spec.uniqueTokens', 1e300],
    ['spec.uniqueTokens', 0.5],
    ['spec.inference', { tokens: 1e19 }],
    ['spec.inference', { tokens: -1 }],
    ['spec.seed', 2 ** 31],
    ['spec.seed', -1],
    ['spec.seed', 1.5],
    ['spec.method', 4],
  ];
  for (const [path, value] of budgetNumbers) field('numbers', 'budget', path, value);
  // Accelerator-hours replace flops: the spec is given whole.
  for (const hours of [
    { hours: 1e308, accelerator: 'h100' },
    { hours: 1e11, accelerator: 'h100', utilisation: 1 },
    { hours: 10, accelerator: 'h100', utilisation: 0 },
    { hours: 10, accelerator: 'h100', utilisation: 1.5 },
    { hours: 10, accelerator: 'tpu-v5e', precision: 'int8' },
  ])
    field(
      'numbers',
      'budget',
      'spec',
      { acceleratorHours: hours, preset: 'chinchilla-2022' },
      `acceleratorHours ${JSON.stringify(hours)}`,
      'spec.acceleratorHours',
    );
  const lawNumbers: [string, unknown][] = [
    ['spec.sweep.budgets', [1e300]],
    ['spec.sweep.budgets', [1e25]],
    ['spec.sweep.budgets', [0]],
    ['spec.sweep.budgets', [1e15, 1.0001e15]],
    ['spec.sweep.budgetRange', { min: 1e17, max: 1e15, count: 3 }],
    ['spec.sweep.budgetRange', { min: 1e15, max: 1.001e15, count: 20 }],
    ['spec.sweep.budgetRange', { min: 1e15, max: 1e17, count: 1.5 }],
    ['spec.sweep.maxFlops', 1e31],
    ['spec.sweep.maxFlops', 1e10],
    ['spec.sweep.target', { atFlops: 1e31, relativeHalfWidth: 0.2 }],
    ['spec.sweep.target', { atFlops: 1e18, relativeHalfWidth: 0 }],
    ['spec.sweep.sizesPerBudget', 2],
    ['spec.sweep.spanDecades', 0.5],
    ['spec.sweep.seed', 1e12],
    ['spec.sweep.simulate.law.irreducibleLoss', 1e308],
    ['spec.sweep.simulate.law.paramExponent', 50],
    ['spec.sweep.simulate.noise', 2],
    ['spec.sweep.simulate.durationMs', 1e10],
    ['spec.fit.bootstrap', 5001],
    ['spec.fit.confidence', 1],
    ['spec.maxConcurrentRuns', 1001],
    ['spec.priority', 0],
    ['spec.model.sequenceLength', 4097],
  ];
  for (const [path, value] of lawNumbers) field('numbers', 'law', path, value);
  // Runs the planner would lay out past what a job holds (2^53 tokens): a large budget with an extreme prior.
  field(
    'numbers',
    'law',
    'spec.sweep',
    { budgets: [1e24], sizesPerBudget: 25, spanDecades: 4, priorTokensPerParam: 1e6 },
    'runs past 2^53 tokens',
  );
  raw('numbers', 'JSON 1e999 (Infinity)', 'budget', `{"metadata":{"name":"inf"},"spec":{"flops":1e999,"preset":"chinchilla-2022"}}`);
  raw(
    'numbers',
    'YAML .inf',
    'budget',
    'kind: ComputeBudget\nmetadata: { name: inf }\nspec: { flops: .inf, preset: chinchilla-2022 }\n',
    YAML_TYPE,
  );
  raw(
    'numbers',
    'YAML .nan',
    'budget',
    'kind: ComputeBudget\nmetadata: { name: nan }\nspec: { flops: .nan, preset: chinchilla-2022 }\n',
    YAML_TYPE,
  );
  raw(
    'numbers',
    'YAML 1e400',
    'budget',
    'kind: ComputeBudget\nmetadata: { name: big }\nspec: { flops: 1e400, preset: chinchilla-2022 }\n',
    YAML_TYPE,
  );
  for (const query of [
    'flops=1e308&law=chinchilla-2022',
    'flops=abc&law=chinchilla-2022',
    'flops=1e21&law=chinchilla-2022&uniqueTokens=1e300',
    'flops=1e21&law=chinchilla-2022&inferenceTokens=-1',
    'acceleratorHours=1e308&accelerator=h100&law=chinchilla-2022',
    'acceleratorHours=5&accelerator=constructor&law=chinchilla-2022',
    'flops=1e21&law=chinchilla-2022&method=1e999',
  ])
    add({ category: 'numbers', name: `GET allocations?${query}`, method: 'GET', path: `/api/v1/allocations?${query}` });
}

function types(field: Field, raw: Raw): void {
  for (const value of ['1e21', true, null, [1e21], { value: 1e21 }]) field('types', 'budget', 'spec.flops', value);
  for (const [path, value] of [
    ['spec', []],
    ['spec', 'flops: 1e21'],
    ['spec', null],
    ['metadata', 'keep'],
    ['metadata.name', 42],
    ['spec.train', 'yes'],
    ['spec.preset', 'gpt-5'],
    ['kind', 'Pod'],
    ['apiVersion', 'v1'],
  ] as [string, unknown][])
    field('types', 'budget', path, value);
  field(
    'types',
    'budget',
    'spec',
    { acceleratorHours: { hours: 5, accelerator: 'h100', precision: 'fp4' }, preset: 'chinchilla-2022' },
    'precision fp4',
    'spec.acceleratorHours.precision',
  );
  for (const [path, value] of [
    ['spec.fit.methods', '2'],
    ['spec.fit.methods', [4]],
    ['spec.sweep.budgets', { a: 1e15 }],
    ['spec.sweep.budgets', ['1e15']],
    ['spec.sweep.mode', 'random'],
    ['spec.model.tokenizer', 'bpe'],
    ['spec.sweep', undefined],
  ] as [string, unknown][])
    field('types', 'law', path, value);
  raw('types', 'a JSON array body', 'budget', '[]');
  raw('types', 'a JSON string body', 'budget', '"ComputeBudget"');
  raw('types', 'a JSON number body', 'budget', '42');
  raw('types', 'a JSON null body', 'budget', 'null');
  raw('types', 'an empty JSON object', 'budget', '{}');
  raw('types', 'a YAML scalar body', 'budget', 'just a string\n', YAML_TYPE);
  raw('types', 'a YAML list body', 'budget', '- a\n- b\n', YAML_TYPE);
}

function sizes(field: Field, raw: Raw): void {
  field('sizes', 'law', 'spec.fit.methods', Array(3000).fill(2), 'fit.methods with 3,000 entries');
  field('sizes', 'law', 'spec.fit.methods', [1, 2, 3, 3], 'fit.methods with a repeat');
  field(
    'sizes',
    'law',
    'spec.sweep.budgets',
    Array.from({ length: 21 }, (_, i) => 1e12 * 2 ** i),
    '21 sweep budgets',
  );
  field('sizes', 'law', 'spec.sweep.budgets', [], 'no sweep budgets');
  field('sizes', 'law', 'spec.sweep.sizesPerBudget', 26);
  field('sizes', 'budget', 'metadata.labels', Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])), '65 labels');
  field('sizes', 'budget', 'metadata.annotations', { note: 'x'.repeat(70 * 1024) }, 'a 70 KB annotation');
  field(
    'sizes',
    'budget',
    'metadata.finalizers',
    Array.from({ length: 17 }, (_, i) => `example.com/f${i}`),
    '17 finalizers',
  );
  field(
    'sizes',
    'budget',
    'spec',
    { acceleratorHours: { hours: 5, accelerator: 'h'.repeat(100_000) }, preset: 'chinchilla-2022' },
    'a 100 KB accelerator name',
    'spec.acceleratorHours.accelerator',
  );
  field('sizes', 'law', 'spec.model.corpus', `${'a/'.repeat(150)}x`, 'a 301-character corpus path');
  raw('sizes', 'a 1.1 MiB JSON body', 'budget', JSON.stringify({ ...validBudget('big'), pad: 'x'.repeat(1.1 * 1024 * 1024) }));
  raw(
    'sizes',
    'a 130 KB YAML body',
    'budget',
    `kind: ComputeBudget\nmetadata: { name: big }\npad: "${'x'.repeat(130 * 1024)}"\n`,
    YAML_TYPE,
  );
  raw(
    'sizes',
    '20,000 bad labels',
    'budget',
    JSON.stringify(
      withField(validBudget('labels'), 'metadata.labels', Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`-bad${i}`, 'v']))),
    ),
  );
}

function names(field: Field, add: Add): void {
  for (const namespace of [
    'a%2Fb',
    'Default',
    '-lead',
    'trail-',
    'a'.repeat(64),
    '%2E%2E',
    'a.b',
    'a_b',
    '%C3%A4',
    '%20',
    '%00',
    'a%3Ab',
    '*',
  ])
    for (const kind of ['law', 'budget'] as const) {
      add({
        category: 'names',
        name: `POST ${kind} into namespace ${namespace.slice(0, 20)}`,
        method: 'POST',
        path: collection(kind, namespace),
        body: json((kind === 'law' ? validLaw : validBudget)('fuzz-ns')),
        field: 'namespace',
      });
    }
  for (const name of ['A_B', 'a%2Fb', 'a'.repeat(64), '..', '%2E%2E', 'a.b']) {
    for (const method of ['GET', 'DELETE'] as const)
      add({
        category: 'names',
        name: `${method} budget named ${name.slice(0, 20)}`,
        method,
        path: `${collection('budget')}/${name}`,
        field: 'name',
      });
    add({
      category: 'names',
      name: `GET runs of a study named ${name.slice(0, 20)}`,
      method: 'GET',
      path: `${collection('law')}/${name}/runs`,
      field: 'name',
    });
  }
  for (const value of ['A_B', 'a/b', '', '-x', 'x-', 'a'.repeat(64), 'ä', 'a b', 'a\u0000b']) {
    field('names', 'budget', 'metadata.name', value);
  }
  field('names', 'budget', 'metadata.namespace', 'other', 'a body namespace other than the URL');
  field('names', 'budget', 'spec', { flops: 1e21, scalingLaw: 'A_B' }, 'spec.scalingLaw = A_B');
  field('names', 'budget', 'spec', { flops: 1e21, scalingLaw: 'no-such-law' }, 'spec.scalingLaw naming a missing law');
  field('names', 'budget', 'metadata.labels', { 'a/b/c': 'x' }, 'a label key with two slashes');
  field('names', 'budget', 'metadata.labels', { team: 'a b' }, 'a label value with a space');
  for (const corpus of ['/etc/passwd', '../x', 'data/../../etc/passwd', './x', '.hidden', 'C:\\Windows\\win.ini', '~/x', 'a//b'])
    field('names', 'law', 'spec.model.corpus', corpus);
}

function encodings(raw: Raw): void {
  const body = JSON.stringify(validBudget('enc'));
  raw('encodings', 'malformed JSON', 'budget', '{"metadata": ');
  raw('encodings', 'JSON with a trailing comma', 'budget', '{"metadata": {"name": "x"},}');
  raw('encodings', 'charset=utf-16', 'budget', body, { 'content-type': 'application/json; charset=utf-16' });
  raw('encodings', 'charset=klingon', 'budget', body, { 'content-type': 'application/json; charset=klingon' });
  raw('encodings', 'gzip that is not gzip', 'budget', 'not gzip at all', { ...JSON_TYPE, 'content-encoding': 'gzip' });
  raw('encodings', 'an unknown content-encoding', 'budget', body, { ...JSON_TYPE, 'content-encoding': 'compress' });
  raw('encodings', 'gzip of bad JSON', 'budget', gzipSync('{"metadata": '), { ...JSON_TYPE, 'content-encoding': 'gzip' });
  raw(
    'encodings',
    'invalid UTF-8 bytes',
    'budget',
    Buffer.concat([Buffer.from('{"metadata":{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}')]),
  );
  raw(
    'encodings',
    'a lone surrogate in the name',
    'budget',
    '{"metadata":{"name":"\\ud800"},"spec":{"flops":1e21,"preset":"chinchilla-2022"}}',
  );
  raw('encodings', 'a NUL in the name', 'budget', '{"metadata":{"name":"a\\u0000"},"spec":{"flops":1e21,"preset":"chinchilla-2022"}}');
  raw('encodings', 'a UTF-8 BOM before JSON', 'budget', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"metadata":')]));
  raw('encodings', 'no content-type', 'budget', body, {});
  raw('encodings', 'text/plain', 'budget', body, { 'content-type': 'text/plain' });
  raw('encodings', 'a form body', 'budget', 'metadata[name]=x&spec[flops]=1e21', { 'content-type': 'application/x-www-form-urlencoded' });
  raw('encodings', 'multipart', 'budget', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n', {
    'content-type': 'multipart/form-data; boundary=x',
  });
  raw('encodings', 'an empty JSON body', 'budget', '');
  raw('encodings', 'YAML with tabs for indentation', 'budget', 'kind: ComputeBudget\nmetadata:\n\tname: x\n', YAML_TYPE);
  raw('encodings', 'YAML in UTF-16', 'budget', Buffer.from('kind: ComputeBudget\n', 'utf16le'), YAML_TYPE);
}

function yamlTricks(raw: Raw): void {
  const bomb = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 9; i++)
    bomb.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  const yaml = (name: string, text: string) => raw('yaml', name, 'budget', text, YAML_TYPE);
  yaml('an alias bomb (billion laughs)', `kind: ComputeBudget\nmetadata: { name: bomb }\n${bomb.join('\n')}\n`);
  yaml('an alias bomb in spec', `kind: ComputeBudget\nmetadata: { name: bomb }\nspec:\n  ${bomb.join('\n  ')}\n`);
  yaml('101 anchors', Array.from({ length: 101 }, (_, i) => `k${i}: &a${i} 1`).join('\n'));
  yaml('101 aliases', `a: &a 1\nb: [${Array(101).fill('*a').join(', ')}]\n`);
  yaml('deep flow sequences', `${'['.repeat(100_000)}`);
  yaml('deep flow mappings', `${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}`);
  yaml('deep block sequences', `${'- '.repeat(30_000)}x\n`);
  yaml('deep block mappings', `${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')} 1\n`);
  yaml(
    'a duplicate key',
    'kind: ComputeBudget\nmetadata: { name: dup }\nspec:\n  flops: 1e21\n  flops: 1e308\n  preset: chinchilla-2022\n',
  );
  yaml('a collection as a key', '? [kind]\n: ComputeBudget\n');
  yaml(
    'two documents',
    `kind: ComputeBudget\nmetadata: { name: one }\nspec: { flops: 1e21, preset: chinchilla-2022 }\n---\nkind: ComputeBudget\nmetadata: { name: two }\nspec: { flops: 1e21, preset: chinchilla-2022 }\n`,
  );
  yaml('150 documents', Array(150).fill('a: 1').join('\n---\n'));
  yaml('only comments', '# nothing here\n');
  yaml('a custom tag', 'kind: ComputeBudget\nmetadata: { name: tag }\nspec: !exec { flops: 1e21, preset: chinchilla-2022 }\n');
  yaml(
    '!!js/function',
    'kind: ComputeBudget\nmetadata: { name: fn }\nspec: { flops: !!js/function "function () { return 1 }", preset: chinchilla-2022 }\n',
  );
  yaml('!!binary', 'kind: ComputeBudget\nmetadata: { name: bin }\nspec: { flops: !!binary aGVsbG8=, preset: chinchilla-2022 }\n');
  yaml(
    'a merge key',
    'base: &base { flops: 1e308 }\nkind: ComputeBudget\nmetadata: { name: merge }\nspec: { <<: *base, preset: chinchilla-2022 }\n',
  );
  yaml('an undefined alias', 'kind: ComputeBudget\nmetadata: { name: *nope }\n');
  yaml('YAML 1.1 booleans', 'kind: ComputeBudget\nmetadata: { name: bool }\nspec: { flops: 1e21, preset: chinchilla-2022, train: yes }\n');
  yaml(
    'a %YAML 1.1 directive',
    '%YAML 1.1\n---\nkind: ComputeBudget\nmetadata: { name: v11 }\nspec: { flops: 0o777, preset: chinchilla-2022 }\n',
  );
  yaml('an unknown %TAG handle', '%TAG !x! tag:example.com,2000:\n---\nspec: !y!z 1\n');
  yaml(
    'a timestamp as flops',
    'kind: ComputeBudget\nmetadata: { name: ts }\nspec: { flops: 2001-12-14t21:59:43.10-05:00, preset: chinchilla-2022 }\n',
  );
  yaml('an unterminated quote', 'kind: "ComputeBudget\n');
  yaml('JSON that breaks the YAML parser', '{"kind": "ComputeBudget", "metadata": {"name": "x"}');
}

function prototypePollution(raw: Raw): void {
  // Each body carries its required fields only through a prototype: if parsing set a prototype, it would be admitted.
  const viaProto = '{"__proto__":{"flops":1e21,"preset":"chinchilla-2022"}}';
  raw('prototype', 'spec fields through __proto__ (JSON)', 'budget', `{"metadata":{"name":"p1"},"spec":${viaProto}}`);
  raw(
    'prototype',
    'metadata through __proto__ (JSON)',
    'budget',
    '{"__proto__":{"metadata":{"name":"p2"}},"spec":{"flops":1e21,"preset":"chinchilla-2022"}}',
  );
  raw(
    'prototype',
    'name through __proto__ (JSON)',
    'budget',
    '{"metadata":{"__proto__":{"name":"p3"}},"spec":{"flops":1e21,"preset":"chinchilla-2022"}}',
  );
  raw(
    'prototype',
    'constructor.prototype (JSON)',
    'budget',
    '{"metadata":{"name":"p4"},"spec":{"constructor":{"prototype":{"flops":1e21,"preset":"chinchilla-2022"}}}}',
  );
  raw(
    'prototype',
    'Object.prototype pollution attempt',
    'budget',
    '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
  );
  raw(
    'prototype',
    'a __proto__ label',
    'budget',
    '{"metadata":{"name":"p5","labels":{"__proto__":"x"}},"spec":{"flops":1e21,"preset":"chinchilla-2022"}}',
  );
  raw(
    'prototype',
    'a toString label value',
    'budget',
    '{"metadata":{"name":"p6","labels":{"toString":{}}},"spec":{"flops":1e21,"preset":"chinchilla-2022"}}',
  );
  raw(
    'prototype',
    'accelerator "constructor"',
    'budget',
    '{"metadata":{"name":"p7"},"spec":{"acceleratorHours":{"hours":5,"accelerator":"constructor"},"preset":"chinchilla-2022"}}',
  );
  raw(
    'prototype',
    'accelerator "__proto__"',
    'budget',
    '{"metadata":{"name":"p8"},"spec":{"acceleratorHours":{"hours":5,"accelerator":"__proto__"},"preset":"chinchilla-2022"}}',
  );
  raw('prototype', 'preset "hasOwnProperty"', 'budget', '{"metadata":{"name":"p9"},"spec":{"flops":1e21,"preset":"hasOwnProperty"}}');
  const yaml = (name: string, text: string) => raw('prototype', name, 'budget', text, YAML_TYPE);
  yaml(
    'spec fields through __proto__ (YAML)',
    'kind: ComputeBudget\nmetadata: { name: p10 }\nspec:\n  __proto__: { flops: 1e21, preset: chinchilla-2022 }\n',
  );
  yaml(
    'metadata through __proto__ (YAML)',
    '__proto__: { metadata: { name: p11 } }\nkind: ComputeBudget\nspec: { flops: 1e21, preset: chinchilla-2022 }\n',
  );
  yaml('Object.prototype pollution attempt (YAML)', '__proto__: { polluted: yes }\nconstructor: { prototype: { polluted: yes } }\n');
  yaml(
    'a __proto__ merge key',
    'p: &p { __proto__: { flops: 1e21 } }\nkind: ComputeBudget\nmetadata: { name: p12 }\nspec: { <<: *p, preset: chinchilla-2022 }\n',
  );
}

function hugeAndDeep(field: Field, raw: Raw): void {
  const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  raw('huge-deep', 'spec nested 10,000 arrays deep (JSON)', 'budget', `{"metadata":{"name":"deep"},"spec":${deepArray(10_000)}}`);
  raw(
    'huge-deep',
    'a label nested 100,000 deep (JSON)',
    'budget',
    `{"metadata":{"name":"deep","labels":{"a":${deepArray(100_000)}}},"spec":{"flops":1e21,"preset":"chinchilla-2022"}}`,
  );
  raw(
    'huge-deep',
    'unknown fields nested 50,000 objects deep (JSON)',
    'budget',
    `{"metadata":{"name":"deep"},"x":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`,
  );
  raw(
    'huge-deep',
    '50,000 unknown keys in spec (JSON)',
    'budget',
    JSON.stringify({ metadata: { name: 'wide' }, spec: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, i])) }),
  );
  raw(
    'huge-deep',
    '50,000 sweep budgets (JSON)',
    'law',
    JSON.stringify(
      withField(
        validLaw('wide'),
        'spec.sweep.budgets',
        Array.from({ length: 50_000 }, (_, i) => 1e15 + i * 1e12),
      ),
    ),
  );
  raw(
    'huge-deep',
    'a 900 KB string as the name (JSON)',
    'budget',
    JSON.stringify(withField(validBudget('x'), 'metadata.name', 'a'.repeat(900_000))),
  );
  raw('huge-deep', '120 KB of YAML keys', 'budget', Array.from({ length: 12_000 }, (_, i) => `key${i}: ${i}`).join('\n'), YAML_TYPE);
  raw(
    'huge-deep',
    '120 KB of YAML flow keys',
    'budget',
    `{${Array.from({ length: 10_000 }, (_, i) => `k${i}: ${i}`).join(', ')}}`,
    YAML_TYPE,
  );
  field(
    'huge-deep',
    'law',
    'spec.sweep.simulate.law',
    { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: deepArray(1000) },
    'a law exponent given as 1,000 nested arrays',
  );
}

function routes(add: Add): void {
  add({
    category: 'routes',
    name: 'PUT with a name other than the URL',
    method: 'PUT',
    path: kept('budget'),
    body: json(validBudget('other-name')),
  });
  add({
    category: 'routes',
    name: 'PUT of a missing object',
    method: 'PUT',
    path: `${collection('budget')}/missing`,
    body: json(validBudget('missing')),
  });
  add({ category: 'routes', name: 'DELETE of a missing object', method: 'DELETE', path: `${collection('law')}/missing` });
  add({
    category: 'routes',
    name: 'POST of an existing object',
    method: 'POST',
    path: collection('budget'),
    body: json(validBudget(KEPT.budget)),
  });
  add({
    category: 'routes',
    name: 'POST without the token',
    method: 'POST',
    path: collection('budget'),
    headers: { ...JSON_TYPE, authorization: '' },
    body: json(validBudget('no-token')),
  });
  add({
    category: 'routes',
    name: 'POST with a wrong token',
    method: 'POST',
    path: collection('budget'),
    headers: { ...JSON_TYPE, authorization: 'Bearer wrong' },
    body: json(validBudget('bad-token')),
  });
}
