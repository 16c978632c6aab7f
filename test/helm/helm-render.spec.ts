import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HelmRenderError, renderChart } from './support/helm-render.js';

/**
 * Known answers of Helm 3's engine (Go text/template + Sprig + Helm's own functions), so a change to
 * tools/helm-render that drifts from `helm template` fails here rather than in a chart spec.
 */
const chartDir = join(mkdtempSync(join(tmpdir(), 'helm-render-')), 'demo');
const files: Record<string, string> = {
  'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: "4.5"\n',
  'values.yaml': 'big: 1000000\nratio: 0.5\nname: world\nnested: {keep: 1, drop: 2}\nlist: [b, a]\ntemplate: "{{ .Values.name }}!"\n',
  'templates/_helpers.tpl': '{{- define "demo.label" -}}\nname: {{ .name }}\n{{- end }}\n',
  'templates/out.yaml': [
    'missing: "{{ .Values.nope }}"',
    'big: {{ .Values.big }}',
    'int: {{ int .Values.big }}',
    'ratio: {{ .Values.ratio }}',
    'nested: {{ toYaml .Values.nested | nindent 2 }}',
    'list: {{ toJson .Values.list }}',
    'labels: {{- include "demo.label" (dict "name" "x") | nindent 2 }}',
    'tpl: {{ tpl .Values.template . | quote }}',
    'chart: {{ .Chart.Name }}-{{ .Chart.Version }}-{{ .Chart.AppVersion }} {{ .Release.Name }}/{{ .Release.Namespace }} {{ .Release.Service }} install={{ .Release.IsInstall }}',
    'template: {{ .Template.Name }} {{ .Template.BasePath }}',
    'caps: {{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "keda.sh/v1alpha1" }} {{ .Capabilities.KubeVersion.Minor }}',
    'rand: {{ randAlphaNum 8 }}',
    'sprig: {{ "a-b-c" | splitList "-" | last }} {{ trunc 3 "abcdef" }} {{ "x" | b64enc }} {{ sha256sum "x" | trunc 8 }}',
    '',
  ].join('\n'),
  'templates/required.yaml': '{{ if .Values.needIt }}{{ required "need.it is required" .Values.need }}{{ end }}\n',
  'templates/fail.yaml': '{{ if .Values.failIt }}{{ fail "boom: failIt was set" }}{{ end }}\n',
};
for (const [name, text] of Object.entries(files)) {
  mkdirSync(dirname(join(chartDir, name)), { recursive: true });
  writeFileSync(join(chartDir, name), text);
}
afterAll(() => rmSync(dirname(chartDir), { recursive: true, force: true }));
const out = async (valuesYaml: string[] = [], options: { randSeed?: number; apiVersions?: string[] } = {}) =>
  (await renderChart({ valuesYaml, releaseName: 'rel', namespace: 'ns', ...options }, chartDir)).files['demo/templates/out.yaml']!;

describe('tools/helm-render (Helm 3 engine semantics on Go text/template + Sprig, compiled to WebAssembly)', () => {
  it('renders the way helm template does', async () => {
    const text = await out();
    expect(text).toContain('missing: ""'); // missingkey=zero, and "<no value>" removed
    expect(text).toContain('big: 1e+06'); // values are float64 after Helm's YAML→JSON load: the classic quirk
    expect(text).toContain('int: 1000000');
    expect(text).toContain('ratio: 0.5');
    expect(text).toContain('nested: \n  drop: 2\n  keep: 1'); // sigs.k8s.io/yaml sorts keys
    expect(text).toContain('list: ["b","a"]');
    expect(text).toContain('labels:\n  name: x');
    expect(text).toContain('tpl: "world!"');
    expect(text).toContain('chart: demo-1.2.3-4.5 rel/ns Helm install=true');
    expect(text).toContain('template: demo/templates/out.yaml demo/templates');
    expect(text).toContain('caps: true false 32');
    expect(text).toContain('sprig: c abc eA== 2d711642');
  });

  it('coalesces values files like Helm: later files win, maps merge, null deletes a default', async () => {
    const text = await out(['nested: {keep: 5}\nname: first', 'name: second\nnested: {drop: null}']);
    expect(text).toContain('nested: \n  keep: 5\n');
    expect(text).not.toContain('drop');
    expect(text).toContain('tpl: "second!"');
  });

  it('makes randAlphaNum deterministic only when seeded', async () => {
    const seeded = /rand: (\w+)/;
    expect(seeded.exec(await out([], { randSeed: 7 }))![1]).toBe(seeded.exec(await out([], { randSeed: 7 }))![1]);
    expect(seeded.exec(await out([], { randSeed: 7 }))![1]).not.toBe(seeded.exec(await out([], { randSeed: 8 }))![1]);
    expect(await out([], { apiVersions: ['keda.sh/v1alpha1'] })).toContain('caps: true true');
  });

  it('reports required and fail like Helm, and template syntax errors with their location', async () => {
    await expect(renderChart({ valuesYaml: ['needIt: true'] }, chartDir)).rejects.toThrow(
      new HelmRenderError('execution error at (demo/templates/required.yaml:1:26): need.it is required'),
    );
    await expect(renderChart({ valuesYaml: ['failIt: true'] }, chartDir)).rejects.toThrow(
      new HelmRenderError('execution error at (demo/templates/fail.yaml:1:26): boom: failIt was set'),
    );
    writeFileSync(join(chartDir, 'templates/broken.yaml'), 'a: {{ .Values.x \n');
    await expect(renderChart({}, chartDir)).rejects.toThrow(
      /parse error at \(demo\/templates\/broken.yaml:2\): unclosed action started at demo\/templates\/broken.yaml:1/,
    );
    rmSync(join(chartDir, 'templates/broken.yaml'));
  });
});
