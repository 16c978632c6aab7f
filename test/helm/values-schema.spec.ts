import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHART_DIR, ciScenarios } from './support/helm-render.js';

type Values = Record<string, unknown>;
const valuesText = readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8');
const defaults = parse(valuesText) as Values;
const schema = JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as Values;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

const isObject = (value: unknown): value is Values => typeof value === 'object' && value !== null && !Array.isArray(value);
/** Helm's coalescing for plain overrides: maps merge deeply, anything else replaces, null deletes. */
function coalesce(base: Values, override: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else out[key] = isObject(value) && isObject(out[key]) ? coalesce(out[key] as Values, value) : value;
  }
  return out;
}
const errorsFor = (override: Values): string[] => {
  if (validate(coalesce(defaults, override))) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}${e.params && 'allowedValues' in e.params ? `: ${(e.params.allowedValues as string[]).join(', ')}` : ''}`,
  );
};

describe('Chart.yaml', () => {
  it('is an apiVersion v2 application chart whose appVersion is the package version the images are tagged with', () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
    const pkg = JSON.parse(readFileSync(join(CHART_DIR, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'scaleplan', type: 'application', appVersion: pkg.version });
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(typeof chart.appVersion, 'appVersion is quoted so YAML keeps it a string').toBe('string');
  });
});

describe('values.schema.json', () => {
  it('is a draft-07 schema and values.yaml points editors at it', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(valuesText.split('\n')[0]).toBe('# yaml-language-server: $schema=values.schema.json');
  });

  it('accepts values.yaml and every ci/*-values.yaml scenario', () => {
    expect(errorsFor({})).toEqual([]);
    for (const [file, text] of Object.entries(ciScenarios())) expect(errorsFor(parse(text) as Values), file).toEqual([]);
  });

  it.each([
    ['a misspelt key', { worker: { replica: 3 } }, '/worker must NOT have additional properties: replica'],
    ['a string where a count belongs', { worker: { replicas: 'eight' } }, '/worker/replicas must be integer'],
    ['a negative replica count', { worker: { replicas: -1 } }, '/worker/replicas must be >= 0'],
    [
      'an unknown TF.js backend',
      { worker: { backend: 'cuda' } },
      '/worker/backend must be equal to one of the allowed values: auto, tensorflow-gpu, tensorflow, wasm, cpu',
    ],
    [
      'an unknown autoscaling mode',
      { worker: { autoscaling: { mode: 'hpa' } } },
      '/worker/autoscaling/mode must be equal to one of the allowed values: controlPlane, keda',
    ],
    [
      'a bad Redis fsync policy',
      { redis: { appendfsync: 'sometimes' } },
      '/redis/appendfsync must be equal to one of the allowed values: always, everysec, no',
    ],
    [
      'a Redis URL with credentials in it',
      { redis: { enabled: false, external: { url: 'redis://:hunter2@r:6379' } } },
      '/redis/external/url must match pattern "^(rediss?://[^@\\s]+)?$"',
    ],
    ['external Redis without a URL', { redis: { enabled: false } }, '/redis/external/url must NOT have fewer than 1 characters'],
    [
      'a GPU resource name without a domain',
      { worker: { gpu: { resourceName: 'gpu' } } },
      '/worker/gpu/resourceName must match pattern "^[a-z0-9.-]+/[a-z0-9.-]+$"',
    ],
    [
      'an unknown result retention',
      { controlPlane: { resultRetention: 'archive' } },
      '/controlPlane/resultRetention must be equal to one of the allowed values: delete, keep',
    ],
    [
      'a quantity with a typo',
      { worker: { checkpoints: { persistence: { size: '10 GB' } } } },
      '/worker/checkpoints/persistence/size must match pattern',
    ],
    ['an unknown top-level key', { workers: {} }, '/ must NOT have additional properties: workers'],
    [
      'an unknown dispatch mode',
      { dispatch: { mode: 'job' } },
      '/dispatch/mode must be equal to one of the allowed values: deployment, jobs',
    ],
    [
      'a report URL that is not http(s)',
      { dispatch: { jobs: { reportUrl: 'scaleplan:8080' } } },
      '/dispatch/jobs/reportUrl must match pattern',
    ],
  ])('rejects %s with a message naming the value', (_what, override, message) => {
    expect(errorsFor(override as Values).join('\n')).toContain(message);
  });

  it('documents every value with a ## @param comment and types it in the schema', () => {
    const params = new Set([...valuesText.matchAll(/^\s*## @param (\S+) \S/gm)].map((m) => m[1]!));
    const leaves: string[] = [];
    const walk = (value: unknown, path: string[]) => {
      const key = path.join('.');
      if (path.length > 0 && params.has(key)) return leaves.push(key);
      if (isObject(value) && Object.keys(value).length > 0) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
      else leaves.push(`${key} (undocumented)`);
    };
    walk(defaults, []);
    expect(leaves.filter((l) => l.endsWith('(undocumented)'))).toEqual([]);
    for (const param of params) {
      const exists = param.split('.').reduce<unknown>((node, k) => (isObject(node) ? node[k] : undefined), defaults);
      expect(exists, `@param ${param} names a value`).not.toBeUndefined();
    }
    // Every documented value has a described schema node, reached through properties (and $refs).
    const definitions = schema.definitions as Record<string, Values>;
    const resolve = (node: Values): Values =>
      typeof node.$ref === 'string' ? { ...definitions[node.$ref.split('/').pop()!]!, ...node } : node;
    for (const param of params) {
      const node = param
        .split('.')
        .reduce<Values | undefined>(
          (n, k) => (n ? resolve(((resolve(n).properties ?? {}) as Record<string, Values>)[k] ?? ({} as Values)) : undefined),
          schema,
        );
      expect(node?.description, `schema describes ${param}`).toEqual(expect.any(String));
      expect(node?.type ?? node?.$ref ?? node?.enum, `schema types ${param}`).toBeDefined();
    }
  });
});
