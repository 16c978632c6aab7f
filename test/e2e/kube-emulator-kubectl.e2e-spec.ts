// Drives the REAL kubectl 1.32 against the emulator: the user flows issue 5 names (apply, get, watch, describe,
// explain, patch, wait, delete, invalid resources). One emulator and one fresh $HOME for the whole file.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeEmulator, type KubeEmulator } from '@scaleplan/kube-emulator';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
const DISPATCHER = '/usr/bin/kubectl';
const CRD_FILE = 'test/fixtures/kube/widget-crd.yaml';
const CR_FILE = 'test/fixtures/kube/widget.yaml';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let emulator: KubeEmulator;
let home: string;

/** Runs kubectl asynchronously (the emulator lives in this process, so a sync spawn would deadlock it). */
function kubectl(args: string[], options: { stdin?: string; binary?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.binary ?? KUBECTL, args, {
      env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: emulator.kubeconfigPath },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await kubectl(args, stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

const widgetYaml = (name: string, spec: string, extraMeta = '') =>
  `apiVersion: example.scaleplan.dev/v1\nkind: Widget\nmetadata:\n  name: ${name}\n${extraMeta}spec:\n${spec}`;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'kubectl-home-'));
  emulator = await startKubeEmulator({ kubeconfigPath: join(home, 'kubeconfig') });
  await ok(['apply', '-f', CRD_FILE]);
  await ok(['wait', '--for=condition=Established', 'crd/widgets.example.scaleplan.dev', '--timeout=10s']);
});

afterAll(async () => {
  await emulator?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('kubectl 1.32 against the kube-emulator', () => {
  it('applies a CR client-side, re-applies a change as a merge patch, and shows printer columns', async () => {
    expect(await ok(['apply', '-f', CR_FILE])).toContain('widget.example.scaleplan.dev/alpha created');
    expect(await ok(['apply', '-f', CR_FILE])).toContain('unchanged');
    const changed = readFileSync(CR_FILE, 'utf8').replace('replicas: 2', 'replicas: 3');
    expect(await ok(['apply', '-f', '-'], changed)).toContain('configured');
    const table = await ok(['get', 'widgets']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+REPLICAS\s+COLOUR\s+PHASE\s+READY\s+AGE$/);
    expect(table).toMatch(/alpha\s+3\s+red\s+/);
    expect((await ok(['get', 'wd', '-o', 'wide'])).split('\n')[0]).toMatch(/LABEL\s+AGE$/);
    const yaml = await ok(['get', 'widget', 'alpha', '-o', 'yaml']);
    expect(yaml).toMatch(/generation: 2/);
    expect(yaml).toMatch(/size: medium/); // schema default applied
    expect(yaml).toMatch(/kubectl.kubernetes.io\/last-applied-configuration/);
  });

  it('applies server-side (create, change, conflict, --force-conflicts)', async () => {
    const beta = widgetYaml('beta', '  replicas: 1\n  colour: green\n');
    expect(await ok(['apply', '--server-side', '-f', '-'], beta)).toContain('widget.example.scaleplan.dev/beta serverside-applied');
    await ok(['apply', '--server-side', '-f', '-'], beta.replace('replicas: 1', 'replicas: 4'));
    expect(await ok(['get', 'wd', 'beta', '-o', 'jsonpath={.spec.replicas}'])).toBe('4');
    await ok(['patch', 'wd', 'beta', '--type=merge', '-p', '{"spec":{"colour":"blue"}}']);
    const conflict = await kubectl(['apply', '--server-side', '-f', '-'], { stdin: beta.replace('green', 'red') });
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toMatch(/conflict with "kubectl-patch": \.spec\.colour/);
    await ok(['apply', '--server-side', '--force-conflicts', '-f', '-'], beta.replace('green', 'red'));
    expect(await ok(['get', 'wd', 'beta', '-o', 'jsonpath={.spec.colour}'])).toBe('red');
  });

  it('patches with merge and json patches, and refuses strategic merge on a CR like a real server', async () => {
    await ok(['patch', 'wd', 'alpha', '--type=merge', '-p', '{"spec":{"colour":"blue"}}']);
    await ok(['patch', 'wd', 'alpha', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":5}]']);
    expect(await ok(['get', 'wd', 'alpha', '-o', 'jsonpath={.spec.colour}/{.spec.replicas}'])).toBe('blue/5');
    const strategic = await kubectl(['patch', 'wd', 'alpha', '-p', '{"spec":{"colour":"green"}}']);
    expect(strategic.code).not.toBe(0);
    expect(strategic.stderr).toMatch(/strategic-merge-patch\+json is not supported/);
  });

  it('explains the CRD schema with its descriptions', async () => {
    const out = await ok(['explain', 'widget.spec']);
    expect(out).toContain('WidgetSpec is the desired state of a widget.');
    expect(out).toMatch(/replicas\s+<integer> -required-/);
    expect(out).toContain('How many copies of the widget to keep.');
  });

  it.each([
    [
      'a negative value under a minimum',
      '  replicas: -1\n  colour: red\n',
      /The Widget "bad" is invalid: spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0/,
    ],
    ['an unknown field', '  replicas: 1\n  colour: red\n  flavour: mint\n', /strict decoding error: unknown field "spec.flavour"/],
    [
      'a bad enum value',
      '  replicas: 1\n  colour: purple\n',
      /spec.colour: Unsupported value: "purple": supported values: "red", "green", "blue"/,
    ],
    ['a missing required field', '  replicas: 1\n', /The Widget "bad" is invalid: spec.colour: Required value/],
    ['a pattern mismatch', '  replicas: 1\n  colour: red\n  label: Not Ok\n', /spec.label in body should match '\^\[a-z\]\[a-z0-9-\]\*\$'/],
  ])('rejects %s with the schema message', async (_what, spec, message) => {
    const r = await kubectl(['apply', '-f', '-'], { stdin: widgetYaml('bad', spec) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect((await kubectl(['get', 'wd', 'bad'])).stderr).toMatch(/not found/);
  });

  it('warns about unknown fields under --validate=warn and prunes them (and silently under --validate=false)', async () => {
    const warned = await kubectl(['apply', '--validate=warn', '-f', '-'], {
      stdin: widgetYaml('lenient', '  replicas: 1\n  colour: red\n  flavour: mint\n'),
    });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('Warning: unknown field "spec.flavour"');
    expect(await ok(['get', 'wd', 'lenient', '-o', 'jsonpath={.spec}'])).toBe('{"colour":"red","replicas":1,"size":"medium"}');
    const ignored = await kubectl(['apply', '--validate=false', '-f', '-'], {
      stdin: widgetYaml('quiet', '  replicas: 1\n  colour: red\n  flavour: mint\n'),
    });
    expect(ignored.stderr).toBe('');
    await ok(['delete', 'wd', 'lenient', 'quiet']);
  });

  it('server-side dry runs persist nothing', async () => {
    expect(await ok(['apply', '--dry-run=server', '-f', '-'], widgetYaml('ghost', '  replicas: 1\n  colour: red\n'))).toContain(
      '(server dry run)',
    );
    expect((await kubectl(['get', 'wd', 'ghost'])).stderr).toMatch(/"ghost" not found/);
  });

  it('waits for a Ready condition set through the status subresource, and watches see MODIFIED', async () => {
    const watch = spawn(KUBECTL, ['get', 'wd', 'alpha', '-w', '--output-watch-events'], {
      env: { PATH: process.env.PATH, HOME: home, KUBECONFIG: emulator.kubeconfigPath },
    });
    let watched = '';
    watch.stdout.on('data', (d: Buffer) => (watched += d.toString()));
    try {
      const waiter = kubectl(['wait', '--for=condition=Ready', 'wd/alpha', '--timeout=15s']);
      await new Promise((r) => setTimeout(r, 300));
      await ok([
        'patch',
        'wd',
        'alpha',
        '--subresource=status',
        '--type=merge',
        '-p',
        '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}',
      ]);
      const waited = await waiter;
      expect(waited.stdout).toContain('condition met');
      for (let i = 0; i < 50 && !/MODIFIED\s+alpha/.test(watched); i += 1) await new Promise((r) => setTimeout(r, 100));
      expect(watched).toMatch(/ADDED\s+alpha/);
      expect(watched).toMatch(/MODIFIED\s+alpha\s+5\s+blue\s+Running\s+True/);
    } finally {
      watch.kill();
    }
    expect(await ok(['get', 'wd', 'alpha', '-o', 'jsonpath={.spec.replicas}'])).toBe('5'); // status write left spec alone
  });

  it('describes a resource with its events', async () => {
    const uid = await ok(['get', 'wd', 'alpha', '-o', 'jsonpath={.metadata.uid}']);
    const event = `apiVersion: v1
kind: Event
metadata: {name: alpha.scaled, namespace: default}
involvedObject: {apiVersion: example.scaleplan.dev/v1, kind: Widget, name: alpha, namespace: default, uid: ${uid}}
reason: Scaled
message: Scaled the widget to 5 copies
type: Normal
count: 1
source: {component: widget-controller}
firstTimestamp: "${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}"
lastTimestamp: "${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}"
`;
    await ok(['create', '-f', '-'], event);
    const out = await ok(['describe', 'widget', 'alpha']);
    expect(out).toMatch(/Name:\s+alpha/);
    expect(out).toMatch(/Events:[\s\S]*Normal\s+Scaled\s+\S+\s+widget-controller\s+Scaled the widget to 5 copies/);
  });

  it('deletes without finalizers at once, and with finalizers only when they are removed (kubectl wait --for=delete)', async () => {
    expect(await ok(['delete', 'wd', 'beta'])).toContain('"beta" deleted');
    expect((await kubectl(['get', 'wd', 'beta'])).code).toBe(1);

    await ok(['patch', 'wd', 'alpha', '--type=merge', '-p', '{"metadata":{"finalizers":["example.scaleplan.dev/hold"]}}']);
    await ok(['delete', 'wd', 'alpha', '--wait=false']);
    expect(await ok(['get', 'wd', 'alpha', '-o', 'jsonpath={.metadata.deletionTimestamp}'])).toMatch(/Z$/);
    const waiter = kubectl(['wait', '--for=delete', 'wd/alpha', '--timeout=15s']);
    await new Promise((r) => setTimeout(r, 300));
    await ok(['patch', 'wd', 'alpha', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    const waited = await waiter;
    expect(waited.code).toBe(0);
    expect((await kubectl(['get', 'wd', 'alpha'])).stderr).toMatch(/not found/);
  });

  it('selects by label', async () => {
    await ok(['apply', '-f', '-'], widgetYaml('g1', '  replicas: 1\n  colour: red\n', '  labels: {tier: gold}\n'));
    await ok(['apply', '-f', '-'], widgetYaml('s1', '  replicas: 1\n  colour: red\n', '  labels: {tier: silver}\n'));
    expect(await ok(['get', 'wd', '-l', 'tier in (gold)', '-o', 'name'])).toBe('widget.example.scaleplan.dev/g1\n');
    expect(await ok(['get', 'wd', '-l', 'tier!=gold', '-o', 'name'])).toBe('widget.example.scaleplan.dev/s1\n');
  });

  it('applies RBAC with kustomize (apply -k)', async () => {
    const dir = join(home, 'rbac');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [rbac.yaml]\nnamespace: default\n');
    writeFileSync(
      join(dir, 'rbac.yaml'),
      `apiVersion: v1
kind: ServiceAccount
metadata: {name: control-plane}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: control-plane}
rules: [{apiGroups: [example.scaleplan.dev], resources: [widgets, widgets/status], verbs: [get, list, watch, patch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: control-plane}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: control-plane}
subjects: [{kind: ServiceAccount, name: control-plane, namespace: default}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scaleplan-reader}
rules: [{apiGroups: [""], resources: [namespaces], verbs: [get]}]
`,
    );
    const out = await ok(['apply', '-k', dir]);
    expect(out).toContain('serviceaccount/control-plane created');
    expect(out).toContain('rolebinding.rbac.authorization.k8s.io/control-plane created');
    expect(out).toContain('clusterrole.rbac.authorization.k8s.io/scaleplan-reader created');
    expect(await ok(['apply', '-k', dir])).toContain('role.rbac.authorization.k8s.io/control-plane unchanged');
  });

  it('accepts the protobuf bodies of imperative creates for namespaces, configmaps and secrets', async () => {
    expect(await ok(['create', 'namespace', 'team'])).toContain('namespace/team created');
    await ok(['create', 'configmap', 'cfg', '-n', 'team', '--from-literal=mode=fast']);
    await ok(['create', 'secret', 'generic', 'sec', '-n', 'team', '--from-literal=token=s3cret']);
    expect(await ok(['get', 'cm', 'cfg', '-n', 'team', '-o', 'jsonpath={.data.mode}'])).toBe('fast');
    expect(Buffer.from(await ok(['get', 'secret', 'sec', '-n', 'team', '-o', 'jsonpath={.data.token}']), 'base64').toString()).toBe(
      's3cret',
    );
    const job = await kubectl(['create', 'job', 'j', '-n', 'team', '--image=x', '--', 'true']);
    expect(job.stderr).toMatch(/decodes protobuf only for v1 Namespace, ConfigMap, Secret and ServiceAccount/);
    await ok(['delete', 'namespace', 'team']);
    expect((await kubectl(['get', 'cm', 'cfg', '-n', 'team'])).code).toBe(1);
  });

  it('works through the gcloud kubectl dispatcher, which picks the version from /version', async () => {
    if (!existsSync(DISPATCHER)) throw new Error(`${DISPATCHER} is missing`);
    const version = await kubectl(['version'], { binary: DISPATCHER });
    expect(version.stdout).toContain('Server Version: v1.32.4');
    expect((await kubectl(['get', 'ns', 'default', '-o', 'name'], { binary: DISPATCHER })).stdout).toBe('namespace/default\n');
  });
});
