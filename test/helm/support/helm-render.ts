import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Where the chart lives in the repository. */
export const CHART_DIR = join(repoRoot, 'helm', 'scaleplan');
const toolDir = join(repoRoot, 'tools', 'helm-render');

/** A Kubernetes object as rendered (loosely typed on purpose: the specs inspect arbitrary fields). */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [field: string]: any;
}

/** Options of one `helm template` equivalent. */
export interface RenderOptions {
  /** Extra values files (like `helm template -f a.yaml -f b.yaml`): YAML text, later ones win. */
  readonly valuesYaml?: readonly string[];
  /** @default 'sp' */
  readonly releaseName?: string;
  /** @default 'scaleplan' */
  readonly namespace?: string;
  /** Render as `helm upgrade` would (`.Release.IsUpgrade`). @default false */
  readonly isUpgrade?: boolean;
  /** Extra `.Capabilities.APIVersions` (like `helm template --api-versions`). */
  readonly apiVersions?: readonly string[];
  /** Seed for randAlphaNum & co; 0 keeps Sprig's crypto/rand. @default 42 */
  readonly randSeed?: number;
}

/** What a render returns: the objects in file order, each file's raw text, NOTES.txt, and the coalesced values. */
export interface RenderResult {
  readonly manifests: readonly (Manifest & { readonly __source: string })[];
  readonly files: Readonly<Record<string, string>>;
  readonly notes: string;
  readonly values: Record<string, unknown>;
}

/** A render failure, worded as Helm words it (`execution error at (file:line:col): message`). */
export class HelmRenderError extends Error {
  override readonly name = 'HelmRenderError';
}

interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}

let ready: ((request: string) => string) | undefined;

async function loadEngine(): Promise<(request: string) => string> {
  if (ready) return ready;
  // Built by tools/helm-render/build.sh into a git-ignored folder (npm test runs scripts/test-prerequisites.sh,
  // which builds it); wasm_exec.cjs is the Go toolchain's own JS glue and defines globalThis.Go.
  const buildDir = join(toolDir, 'build');
  if (!existsSync(join(buildDir, 'helm-render.wasm.gz'))) {
    throw new Error(
      `${buildDir}/helm-render.wasm.gz is missing: run tools/helm-render/build.sh (needs Debian's golang-go, golang-github-masterminds-sprig-dev, golang-k8s-sigs-yaml-dev)`,
    );
  }
  createRequire(import.meta.url)(join(buildDir, 'wasm_exec.cjs'));
  const Go = (globalThis as unknown as { Go: new () => GoRuntime }).Go;
  const go = new Go();
  const wasm = gunzipSync(readFileSync(join(buildDir, 'helm-render.wasm.gz')));
  const { instance } = await WebAssembly.instantiate(wasm, go.importObject);
  void go.run(instance); // resolves only if the Go program exits; it blocks in select{} serving calls
  const render = (globalThis as unknown as { helmRender?: (request: string) => string }).helmRender;
  if (!render) throw new Error('helm-render.wasm did not register globalThis.helmRender');
  ready = render;
  return render;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    return statSync(full).isDirectory() ? listFiles(full) : [full];
  });
}

/** Helm's releaseutil.SplitManifests separator: a line that is exactly `---` (optionally followed by spaces). */
const DOCUMENT_SEPARATOR = /(?:^|\s*\n)---\s*/;

/**
 * Renders `helm/scaleplan` the way `helm template` would, with Go's text/template and Sprig compiled to
 * WebAssembly (tools/helm-render). Throws HelmRenderError on a template error, and on YAML that
 * does not parse (which `helm template` reports as well).
 */
export async function renderChart(options: RenderOptions = {}, chartDir: string = CHART_DIR): Promise<RenderResult> {
  const render = await loadEngine();
  const templates: Record<string, string> = {};
  for (const file of listFiles(join(chartDir, 'templates'))) {
    templates[relative(chartDir, file).split(sep).join('/')] = readFileSync(file, 'utf8');
  }
  const request = {
    chartName: basename(chartDir),
    chartYaml: readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'),
    valuesYaml: readFileSync(join(chartDir, 'values.yaml'), 'utf8'),
    overrides: options.valuesYaml ?? [],
    templates,
    release: {
      name: options.releaseName ?? 'sp',
      namespace: options.namespace ?? 'scaleplan',
      isUpgrade: options.isUpgrade ?? false,
      revision: options.isUpgrade ? 2 : 1,
    },
    kubeVersion: 'v1.32.0',
    apiVersions: options.apiVersions ?? [],
    randSeed: options.randSeed ?? 42,
  };
  const response = JSON.parse(render(JSON.stringify(request))) as {
    manifests?: Record<string, string>;
    values?: Record<string, unknown>;
    error?: string;
  };
  if (response.error) throw new HelmRenderError(response.error);
  const files = response.manifests ?? {};
  const manifests: (Manifest & { __source: string })[] = [];
  let notes = '';
  for (const [name, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    if (name.endsWith('NOTES.txt')) {
      notes = text;
      continue;
    }
    for (const chunk of text.split(DOCUMENT_SEPARATOR)) {
      if (chunk.trim() === '') continue;
      const docs = parseAllDocuments(chunk);
      for (const doc of docs) {
        if (doc.errors.length > 0) throw new HelmRenderError(`YAML parse error in ${name}: ${doc.errors[0]!.message}\n${chunk}`);
        const object = doc.toJS() as Manifest | null;
        if (object === null) continue; // a document holding only comments, as Helm drops it too
        manifests.push({ ...object, __source: name });
      }
    }
  }
  return { manifests, files, notes, values: response.values ?? {} };
}

/** All `ci/*-values.yaml` scenario files of the chart, by file name. */
export function ciScenarios(chartDir: string = CHART_DIR): Record<string, string> {
  const dir = join(chartDir, 'ci');
  return Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith('-values.yaml'))
      .sort()
      .map((file) => [file, readFileSync(join(dir, file), 'utf8')]),
  );
}
