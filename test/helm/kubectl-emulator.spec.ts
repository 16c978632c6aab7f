import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startKubeEmulator, type KubeEmulator } from '@scaleplan/kube-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ciScenarios, renderChart } from './support/helm-render.js';

/**
 * The real kubectl 1.32 against the project's API emulator: `kubectl apply --dry-run=server` for every
 * rendered object of a kind the emulator serves, and a real apply of the budget NOTES.txt suggests.
 * The emulator validates custom resources against the CRD schema; for built-in kinds it proves that
 * kubectl maps and sends the objects and the server accepts them, not full field validation (that is
 * manifest-validation.spec.ts).
 */
const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
// The kubectl package's dispatcher picks a binary from /version; call the 1.32 one directly.
const KUBECTL = ['/usr/lib/google-cloud-sdk/bin/kubectl.1.32', '/usr/bin/kubectl.1.32'].find((p) => existsSync(p)) ?? 'kubectl';
const work = mkdtempSync(join(tmpdir(), 'helm-kubectl-'));
let emulator: KubeEmulator;

const kubectl = async (args: string[], input?: string): Promise<{ code: number; out: string }> => {
  const child = execFileAsync(KUBECTL, ['--kubeconfig', emulator.kubeconfigPath, ...args], { timeout: 30_000 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
};

let served = new Set<string>();

beforeAll(async () => {
  emulator = await startKubeEmulator({ kubeconfigPath: join(work, 'kubeconfig') });
  expect((await kubectl(['create', 'namespace', 'scaleplan'])).code).toBe(0);
  const crds = await kubectl(['apply', '-f', join(root, 'helm', 'scaleplan', 'crds')]);
  expect(crds.out).toContain('customresourcedefinition.apiextensions.k8s.io/computebudgets.scaleplan.dev created');
  const resources = await kubectl(['api-resources', '--no-headers']);
  // Columns: NAME [SHORTNAMES] APIVERSION NAMESPACED KIND
  served = new Set(
    resources.out
      .trim()
      .split('\n')
      .map((line) => {
        const cols = line.trim().split(/\s+/);
        return `${cols.at(-3)} ${cols.at(-1)}`;
      }),
  );
});

afterAll(async () => {
  await emulator?.stop();
  rmSync(work, { recursive: true, force: true });
});

const scenarios: [string, string[]][] = [
  ['default values', []],
  ...Object.entries(ciScenarios()).map(([f, t]) => [f, [t]] as [string, string[]]),
  // Not a ci/ file: the worker assertions of chart-render.spec.ts run over those, and this mode has no workers.
  ['dispatch mode jobs', ['dispatch: {mode: jobs}\ncontrolPlane: {watchAllNamespaces: true}']],
];

describe('kubectl 1.32 against the kube emulator', () => {
  it.each(scenarios)('accepts the served kinds of %s with apply --dry-run=server', async (scenario, valuesYaml) => {
    const { manifests } = await renderChart({ valuesYaml });
    const mine = manifests.filter((m) => served.has(`${m.apiVersion} ${m.kind}`));
    const others = [...new Set(manifests.filter((m) => !served.has(`${m.apiVersion} ${m.kind}`)).map((m) => m.kind))];
    // What the emulator cannot check is covered by the JSON-schema validation only.
    expect(
      others.every((k) =>
        [
          'StatefulSet',
          'NetworkPolicy',
          'Ingress',
          'PodDisruptionBudget',
          'PersistentVolumeClaim',
          'ScaledObject',
          'TriggerAuthentication',
          'ServiceMonitor',
        ].includes(k),
      ),
      others.join(', '),
    ).toBe(true);
    const file = join(work, `${scenario.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, mine.map(({ __source: _s, ...m }) => stringify(m)).join('---\n'));
    const result = await kubectl(['apply', '--dry-run=server', '-f', file]);
    expect(result.code, result.out).toBe(0);
    expect(
      result.out
        .trim()
        .split('\n')
        .filter((l) => l.endsWith('(server dry run)')),
    ).toHaveLength(mine.length);
  });

  it('creates the first budget exactly as NOTES.txt says, and rejects a broken one with the schema message', async () => {
    const { notes } = await renderChart();
    const block = /cat <<'YAML'[^\n]*\n([\s\S]*?)\n\s*YAML\n/.exec(notes)![1]!.replace(/^ {3}/gm, '');
    const applied = await kubectl(['apply', '-n', 'scaleplan', '-f', '-'], block);
    expect(applied.out.trim()).toBe('computebudget.scaleplan.dev/chinchilla-1e21 created');
    expect((await kubectl(['get', 'cb', '-n', 'scaleplan', '-o', 'name'])).out.trim()).toBe('computebudget.scaleplan.dev/chinchilla-1e21');
    const broken = stringify({ ...(parse(block) as object), spec: { flops: -5, preset: 'chinchilla-2022' } });
    const rejected = await kubectl(['apply', '-n', 'scaleplan', '-f', '-'], broken);
    expect(rejected.code).not.toBe(0);
    expect(rejected.out).toContain('spec.flops in body should be greater than 0');
  });
});
