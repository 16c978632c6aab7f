import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable } from '@nestjs/common';

/** One servable file. */
export interface Asset {
  readonly body: string;
  readonly contentType: string;
  readonly etag: string;
}

/** The charting libraries, served from node_modules (never from a CDN: machines and clusters are often offline). */
export const VENDOR_FILES: Readonly<Record<string, { readonly pkg: string; readonly file: string }>> = Object.freeze({
  'vega.min.js': { pkg: 'vega', file: 'build/vega.min.js' },
  'vega-lite.min.js': { pkg: 'vega-lite', file: 'build/vega-lite.min.js' },
  'vega-embed.min.js': { pkg: 'vega-embed', file: 'build/vega-embed.min.js' },
});

const MODULE_NAME = /^[a-z0-9-]+\.js$/;
const HERE = dirname(fileURLToPath(import.meta.url));
const BROWSER_DIR = join(HERE, 'browser');

const asset = (body: string, contentType: string): Asset => ({
  body,
  contentType,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

/** Finds `node_modules/<pkg>/<file>` in this directory or any above it (the usual Node lookup). */
function findInNodeModules(pkg: string, file: string): string | undefined {
  for (let dir = HERE; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', pkg, file);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The dashboard's browser code. It is TypeScript in `browser/`, compiled by the normal build next to
 * the server code; when the control plane runs from source (tests, `tsx`), the `.ts` file is
 * transpiled on request instead, so both ways serve the same modules with no extra build step.
 */
@Injectable()
export class DashboardAssets {
  private readonly cache = new Map<string, { mtimeMs: number; asset: Asset }>();

  /** A browser ES module by file name (`app.js`), or undefined when there is none. */
  async browserModule(name: string): Promise<Asset | undefined> {
    if (!MODULE_NAME.test(name)) return undefined;
    const compiled = join(BROWSER_DIR, name);
    if (existsSync(compiled)) return this.cached(compiled, (text) => text);
    const source = join(BROWSER_DIR, name.replace(/\.js$/, '.ts'));
    if (!existsSync(source)) return undefined;
    const ts = (await import('typescript')).default;
    return this.cached(
      source,
      (text) =>
        ts.transpileModule(text, {
          compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, sourceMap: false },
          fileName: source,
        }).outputText,
    );
  }

  /** A vendored charting library by file name, or undefined. */
  async vendor(name: string): Promise<Asset | undefined> {
    const entry = Object.hasOwn(VENDOR_FILES, name) ? VENDOR_FILES[name] : undefined;
    if (!entry) return undefined;
    const path = findInNodeModules(entry.pkg, entry.file);
    return path ? this.cached(path, (text) => text) : undefined;
  }

  private async cached(path: string, transform: (text: string) => string): Promise<Asset> {
    const { mtimeMs } = await stat(path);
    const hit = this.cache.get(path);
    if (hit && hit.mtimeMs === mtimeMs) return hit.asset;
    const made = asset(transform(await readFile(path, 'utf8')), 'text/javascript; charset=utf-8');
    this.cache.set(path, { mtimeMs, asset: made });
    return made;
  }
}
