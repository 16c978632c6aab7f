import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DashboardAssets } from './dashboard-assets.js';
import { addBackLink, stripRemoteStylesheets } from './offline-express.adapter.js';

describe('DashboardAssets', () => {
  const assets = new DashboardAssets();

  it('serves the browser modules (transpiled from TypeScript when running from source)', async () => {
    const app = await assets.browserModule('app.js');
    expect(app?.contentType).toMatch(/javascript/);
    expect(app?.body).toContain("from './studies-page.js'");
    expect(app?.body).not.toMatch(/from '@scaleplan\//);
  });

  it.each(['../dashboard.module.js', 'browser/app.js', 'app.ts', 'APP.js', '.js', 'app.js.map'])('refuses %s', async (name) => {
    expect(await assets.browserModule(name)).toBeUndefined();
  });

  it('serves only the listed charting libraries from node_modules', async () => {
    expect((await assets.vendor('vega-embed.min.js'))?.body.length).toBeGreaterThan(10_000);
    expect(await assets.vendor('vega-embed.js')).toBeUndefined();
    expect(await assets.vendor('constructor')).toBeUndefined();
  });
});

describe('stripRemoteStylesheets', () => {
  it("removes bull-board's Google Fonts link and keeps its own stylesheet", () => {
    const require = createRequire(import.meta.url);
    const template = readFileSync(join(dirname(require.resolve('@bull-board/ui/package.json')), 'dist', 'index.ejs'), 'utf8');
    expect(template).toContain('fonts.googleapis.com');
    const stripped = stripRemoteStylesheets(template);
    expect(stripped).not.toContain('https://');
    expect(stripped).toMatch(/<link href="static\/css\/main\.[0-9a-f]+\.css" rel="stylesheet">/);
  });
});

describe('addBackLink', () => {
  it("puts a link back to the dashboard first in bull-board's page body", () => {
    const require = createRequire(import.meta.url);
    const template = readFileSync(join(dirname(require.resolve('@bull-board/ui/package.json')), 'dist', 'index.ejs'), 'utf8');
    const page = addBackLink(template);
    expect(page).toMatch(/<body[^>]*>\n<a id="scaleplan-back" href="\/studies"[^>]*>← ScalePlan dashboard<\/a>/);
    expect(page.match(/scaleplan-back/g)).toHaveLength(1);
  });
});
