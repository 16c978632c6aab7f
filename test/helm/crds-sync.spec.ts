import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { renderChart } from './support/helm-render.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const generated = join(root, 'k8s', 'crds');
const chart = join(root, 'helm', 'scaleplan', 'crds');
/** OpenAPI 3.0 (what CRDs use) writes `exclusiveMinimum: true` next to `minimum`; JSON Schema draft 7 wants the bound. */
function toDraft7(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toDraft7);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, toDraft7(v)]));
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (out[flag] === true) {
      out[flag] = out[bound];
      delete out[bound];
    } else if (out[flag] === false) delete out[flag];
  }
  return out;
}
const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

describe('helm/scaleplan/crds', () => {
  it('equals the generated k8s/crds byte for byte (fix: npm run helm:sync-crds)', () => {
    expect(yamlFiles(generated).length).toBeGreaterThan(0);
    expect(yamlFiles(chart)).toEqual(yamlFiles(generated));
    for (const file of yamlFiles(generated)) {
      expect(readFileSync(join(chart, file)).equals(readFileSync(join(generated, file))), `${file} is identical`).toBe(true);
    }
  });

  it('holds the ComputeBudget and ScalingLaw CRDs, and the budget NOTES.txt tells users to apply is valid for them', async () => {
    const crds = yamlFiles(chart).flatMap((f) => parseAllDocuments(readFileSync(join(chart, f), 'utf8')).map((d) => d.toJS()));
    const kinds = crds.map((c: { spec: { names: { kind: string } } }) => c.spec.names.kind).sort();
    expect(kinds).toEqual(['ComputeBudget', 'ScalingLaw']);
    const budgetCrd = crds.find((c: { spec: { names: { kind: string } } }) => c.spec.names.kind === 'ComputeBudget');
    expect(budgetCrd.spec.names.shortNames).toContain('cb');
    const { notes } = await renderChart();
    const block = /cat <<'YAML'[^\n]*\n([\s\S]*?)\n\s*YAML\n/.exec(notes)![1]!.replace(/^ {3}/gm, '');
    const budget = parse(block) as { apiVersion: string; kind: string; spec: unknown };
    const version = budgetCrd.spec.versions.find((v: { name: string }) => `${budgetCrd.spec.group}/${v.name}` === budget.apiVersion);
    expect(version, `NOTES.txt uses a served version (${budget.apiVersion})`).toBeDefined();
    expect(budget.kind).toBe('ComputeBudget');
    const validate = new Ajv({ strict: false, allErrors: true }).compile(
      toDraft7(version.schema.openAPIV3Schema.properties.spec) as object,
    );
    expect(validate(budget.spec), JSON.stringify(validate.errors)).toBe(true);
  });
});
