/**
 * Headless Chromium for the dashboard tests: Debian's `chromium` driven by playwright-core (never a
 * downloaded browser), with the flags that keep it quiet on an offline machine and a fresh profile.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Where screenshots go (git-ignored). */
export const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts', 'dashboard');

/** The browser, its throwaway profile directory, and the console errors and warnings of every page opened. */
export interface DashboardBrowser {
  readonly context: BrowserContext;
  readonly errors: string[];
  /** Console warnings (Vega logs every spec problem it works around as one). */
  readonly warnings: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Launches `/usr/bin/chromium` headless with a fresh profile directory (`--user-data-dir`). */
export async function launchChromium(): Promise<DashboardBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'scaleplan-chromium-'));
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  // playwright passes the profile as --user-data-dir=<profile> itself (launchPersistentContext).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.SCALEPLAN_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const errors: string[] = [];
  const warnings: string[] = [];
  return {
    context,
    errors,
    warnings,
    async newPage() {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`${page.url()}: console.error: ${message.text()}`);
        if (message.type() === 'warning') warnings.push(`${page.url()}: console.warn: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`${page.url()}: uncaught: ${error.message}`));
      page.on('requestfailed', (request) => {
        // Navigating away cancels the EventSource and any refresh in flight (net::ERR_ABORTED): not an error of the page.
        const reason = request.failure()?.errorText ?? '';
        if (request.resourceType() !== 'eventsource' && !reason.includes('ERR_ABORTED'))
          errors.push(`${page.url()}: request failed: ${request.url()} ${reason}`);
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the login form. */
export async function logIn(page: Page, baseUrl: string, token: string, next = '/'): Promise<void> {
  await page.goto(`${baseUrl}/login?next=${encodeURIComponent(next)}`);
  await page.fill('#token', token);
  await Promise.all([page.waitForURL((url) => url.pathname === next), page.click('button[type="submit"]')]);
}

/** Waits until the page's main script has filled `<main>` (or failed visibly). */
export async function waitForDashboard(page: Page): Promise<void> {
  await page.waitForSelector('main[data-ready]', { timeout: 30_000 });
  const state = await page.getAttribute('main', 'data-ready');
  if (state !== 'true') throw new Error(`Dashboard page ${page.url()} failed: ${await page.textContent('main')}`);
}

/**
 * How far the page, or any table, card or chart in `<main>`, is wider than its box: 0 when nothing
 * scrolls sideways. Names the offenders so a failure says where.
 */
export async function horizontalOverflow(page: Page): Promise<{ page: number; offenders: string[] }> {
  return page.evaluate(() => {
    const offenders = [...document.querySelectorAll<HTMLElement>('main .table-wrap, main .card, main figure, main section, main dl')]
      .filter((el) => el.scrollWidth > el.clientWidth + 1)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className} (${el.scrollWidth} > ${el.clientWidth})`);
    return { page: document.documentElement.scrollWidth - window.innerWidth, offenders };
  });
}

/** Saves a full-page screenshot under test-artifacts/dashboard/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
