/**
 * The dashboard in a real browser (Debian chromium + playwright-core) against a real control plane
 * (startControlPlane, real Redis with a unique prefix) running a simulated study. Simulated runs are
 * trained by the worker's own TrainingProcessor in-process, behind a gate, so the test decides when
 * the last run finishes and can watch it arrive on an open page.
 */
import { Writable } from 'node:stream';
import { Worker, type Job } from 'bullmq';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName, type ComputeBudget, type RunRecord, type ScalingLaw } from '@scaleplan/contracts';
import { startControlPlane, type RunningControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import { DashboardModule } from '../../apps/control-plane/src/dashboard/dashboard.module.js';
import { loadWorkerConfig } from '../../apps/worker/src/config/worker.config.js';
import { TrainingProcessor } from '../../apps/worker/src/training/training.processor.js';
import { launchChromium, logIn, screenshot, waitForDashboard, type DashboardBrowser } from './dashboard-browser.js';

const TOKEN = 'e2e-dashboard-token-0123456789';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `sp-dash-${process.pid}-${Date.now().toString(36)}`;
const NS = 'default';
const STUDY = 'sim-study';
const BUDGET = 'sim-budget';
const BUDGETS = [1e13, 1e14, 1e15];
// Five sizes at three budgets: the 10 runs a trusted Approach 3 fit needs, plus margin. Only a trusted law
// releases a budget's final-training run (an untrusted allocation stays provisional), which this file watches.
const SIZES = 5;

const study = {
  apiVersion: 'scaleplan.dev/v1alpha1',
  kind: 'ScalingLaw',
  metadata: { name: STUDY, namespace: NS },
  spec: {
    sweep: {
      budgets: BUDGETS,
      sizesPerBudget: SIZES,
      simulate: {
        law: { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 },
        noise: 0.003,
      },
    },
    fit: { methods: [2, 3], primaryMethod: 3, bootstrap: 20 },
    maxConcurrentRuns: 3,
  },
};

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });

/** Lets a counted number of jobs start; the rest wait until released. */
class Gate {
  private allowed = 0;
  private started = 0;
  private readonly waiting: (() => void)[] = [];

  async enter(): Promise<void> {
    if (this.started < this.allowed) {
      this.started += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(count: number): void {
    this.allowed += count;
    while (this.waiting.length > 0 && this.started < this.allowed) {
      this.started += 1;
      this.waiting.shift()!();
    }
  }
}

/** Polls `check` until it returns a value (no fixed sleeps: the test waits for the state it needs). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

describe('dashboard in a real browser against the control plane', () => {
  let plane: RunningControlPlane;
  let chrome: DashboardBrowser;
  let worker: Worker;
  const sweepGate = new Gate();
  const finalGate = new Gate();
  let totalRuns = 0;

  const api = () => request(plane.url);
  const getStudy = async (): Promise<ScalingLaw> =>
    (await api().get(`/api/v1/namespaces/${NS}/scalinglaws/${STUDY}`).expect(200)).body as ScalingLaw;
  const getRuns = async (): Promise<RunRecord[]> =>
    (await api().get(`/api/v1/namespaces/${NS}/scalinglaws/${STUDY}/runs`).expect(200)).body.items as RunRecord[];
  const getBudget = async (): Promise<ComputeBudget> =>
    (await api().get(`/api/v1/namespaces/${NS}/computebudgets/${BUDGET}`).expect(200)).body as ComputeBudget;

  beforeAll(async () => {
    plane = await startControlPlane({
      env: { REDIS_URL },
      port: 0,
      host: '127.0.0.1',
      queuePrefix: PREFIX,
      dashboardToken: TOKEN,
      dispatch: 'local',
      // No worker processes: the gated in-process worker below is the only consumer of the queue.
      localWorkersMax: 0,
      tuning: { disableDispatch: true, refitDebounceMs: 100, resyncSeconds: 2 },
      extensions: { imports: [DashboardModule.forRoot()] },
      logDestination: silent,
    });
    const processor = new TrainingProcessor(loadWorkerConfig({ REDIS_URL, SCALEPLAN_QUEUE_PREFIX: PREFIX }), pino({ level: 'silent' }));
    worker = new Worker(
      QueueName.Runs,
      async (job: Job, token?: string) => {
        await ((job.data as { kind?: string }).kind === 'final' ? finalGate : sweepGate).enter();
        return processor.process(job, token);
      },
      { connection: { url: REDIS_URL }, prefix: PREFIX, concurrency: 3 },
    );
    await api().post(`/api/v1/namespaces/${NS}/scalinglaws`).set('Authorization', `Bearer ${TOKEN}`).send(study).expect(201);
    await api()
      .post(`/api/v1/namespaces/${NS}/computebudgets`)
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({
        apiVersion: 'scaleplan.dev/v1alpha1',
        kind: 'ComputeBudget',
        metadata: { name: BUDGET, namespace: NS },
        spec: { flops: 1e17, scalingLaw: STUDY, train: true },
      })
      .expect(201);
    totalRuns = await eventually('the sweep plan', async () => {
      const runs = await getRuns();
      return runs.length >= BUDGETS.length * SIZES ? runs.length : undefined;
    });
    // Every sweep run but the last may finish now; the last, and the final run, wait until a page is watching.
    sweepGate.release(totalRuns - 1);
    await eventually('all but one run to finish and the fits', async () => {
      const law = await getStudy();
      return law.status?.runs?.succeeded === totalRuns - 1 && (law.status.fits ?? []).some((f) => f.method === 3 && f.converged)
        ? law
        : undefined;
    });
    chrome = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await chrome?.close();
    sweepGate.release(1_000);
    finalGate.release(1_000);
    await worker?.close();
    await plane?.close();
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }, 60_000);

  it('rejects a missing or wrong token with 401 on the API, the pages, the plot data and /queues', async () => {
    const write = api()
      .post(`/api/v1/namespaces/${NS}/scalinglaws`)
      .send({ ...study, metadata: { name: 'other', namespace: NS } });
    await write.set('Authorization', 'Bearer wrong-token').expect(401);
    for (const path of [
      '/',
      '/studies',
      `/studies/${NS}/${STUDY}`,
      '/budgets',
      `/budgets/${NS}/${BUDGET}`,
      '/queues',
      `/dashboard/api/studies/${NS}/${STUDY}/plots`,
      `/dashboard/api/studies/${NS}/${STUDY}/runs.csv`,
    ]) {
      const missing = await api().get(path);
      expect(missing.status, `${path} without a token`).toBe(401);
      const wrong = await api().get(path).set('Authorization', 'Bearer wrong-token');
      expect(wrong.status, `${path} with a wrong token`).toBe(401);
      expect(wrong.text).not.toContain(TOKEN);
    }
    const page = await api().get('/studies').set('Accept', 'text/html').expect(401);
    expect(page.text).toContain('action="/login"');
    await api().get('/studies').set('Authorization', `Bearer ${TOKEN}`).expect(200);
  });

  it('sends helmet headers with a CSP that needs no unsafe-eval, and puts no secret in the pages', async () => {
    for (const path of ['/', '/studies', `/studies/${NS}/${STUDY}`, '/queues', '/login', '/assets/js/app.js', '/healthz']) {
      const response = await api().get(path).set('Authorization', `Bearer ${TOKEN}`).expect(200);
      const csp = String(response.headers['content-security-policy']);
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).not.toContain('unsafe-eval');
      expect(response.headers['x-content-type-options'], path).toBe('nosniff');
      expect(response.text, path).not.toContain(TOKEN);
    }
    // The charting libraries come from node_modules through the control plane, never a CDN.
    const shell = (await api().get('/studies').set('Authorization', `Bearer ${TOKEN}`)).text;
    expect(shell).not.toMatch(/src="https?:/);
    for (const file of ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js']) {
      await api()
        .get(`/assets/vendor/${file}`)
        .expect(200)
        .expect('Content-Type', /javascript/);
    }
  });

  it('login form rejects a wrong token and keeps the browser signed out', async () => {
    const page = await chrome.newPage();
    const before = chrome.errors.length;
    const response = await page.goto(`${plane.url}/studies/${NS}/${STUDY}`);
    expect(response?.status()).toBe(401);
    await page.fill('#token', 'not-the-token');
    await Promise.all([page.waitForLoadState('domcontentloaded'), page.click('button[type="submit"]')]);
    expect(await page.textContent('#login-error')).toContain('That token is not valid.');
    expect((await chrome.context.cookies()).some((c) => c.name === 'scaleplan_session')).toBe(false);
    await screenshot(page, 'login-rejected');
    // The 401 responses above are the point of this test, not page errors.
    chrome.errors.splice(before);
    await page.close();
  });

  const pages = (): { name: string; path: string; check: (page: Page) => Promise<void> }[] => [
    {
      name: 'studies',
      path: '/studies',
      check: async (page) => expect(await page.locator(`[data-study="${NS}/${STUDY}"]`).count()).toBe(1),
    },
    {
      name: 'study',
      path: `/studies/${NS}/${STUDY}`,
      check: async (page) => void (await page.waitForSelector('#chart-contours-body[data-rendered]')),
    },
    {
      name: 'budgets',
      path: '/budgets',
      check: async (page) => expect(await page.locator(`[data-budget="${NS}/${BUDGET}"]`).count()).toBe(1),
    },
    { name: 'budget', path: `/budgets/${NS}/${BUDGET}`, check: async (page) => void (await page.waitForSelector('#allocation')) },
  ];

  it('renders every page without console errors, at 1280×800 and at phone width', async () => {
    const errorsFrom = chrome.errors.length;
    const page = await chrome.newPage();
    await logIn(page, plane.url, TOKEN, '/studies');
    for (const viewport of [
      { width: 1280, height: 800, label: 'desktop' },
      { width: 390, height: 844, label: 'phone' },
    ]) {
      await page.setViewportSize(viewport);
      for (const { name, path, check } of pages()) {
        await page.goto(`${plane.url}${path}`);
        await waitForDashboard(page);
        await check(page);
        await page.waitForFunction(() =>
          [...document.querySelectorAll('.chart-body')].every((el) => el.hasAttribute('data-rendered') || el.querySelector('.empty')),
        );
        await screenshot(page, `${name}-${viewport.label}`);
        if (viewport.label === 'phone') {
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          expect(overflow, `${name} scrolls sideways at phone width`).toBeLessThanOrEqual(1);
        }
      }
      await page.goto(`${plane.url}/queues`);
      await page.getByText('runs', { exact: true }).first().waitFor();
      await screenshot(page, `queues-${viewport.label}`);
    }
    // The security headers apply to the whole server: the API docs must still work under them.
    await page.goto(`${plane.url}/docs`);
    await page.waitForSelector('.swagger-ui .opblock');
    const errors = chrome.errors.slice(errorsFrom);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('shows one IsoFLOP profile per budget with the right number of points, and a new result live', async () => {
    const errorsFrom = chrome.errors.length;
    const page = await chrome.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await logIn(page, plane.url, TOKEN, `/studies/${NS}/${STUDY}`);
    await waitForDashboard(page);
    await page.waitForSelector('#chart-profiles-body[data-rendered]');
    const expected = async (): Promise<string> => {
      const runs = await getRuns();
      return BUDGETS.map((c) => runs.filter((r) => r.budgetFlops === c && r.state === 'succeeded').length).join(',');
    };
    const before = await expected();
    expect(
      before
        .split(',')
        .map(Number)
        .reduce((a, b) => a + b, 0),
    ).toBe(totalRuns - 1);
    expect(await page.getAttribute('#chart-profiles', 'data-profiles')).toBe(String(BUDGETS.length));
    expect(await page.getAttribute('#chart-profiles', 'data-points')).toBe(before);
    // The rendered chart, not just its data: one symbol per finished run in the runs layer.
    const symbols = () => page.locator('#chart-profiles-body svg g.mark-symbol.role-mark').first().locator('path').count();
    expect(await symbols()).toBe(totalRuns - 1);
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));

    sweepGate.release(1);
    const after = await eventually('the last run to finish', async () => {
      const counts = await expected();
      return counts
        .split(',')
        .map(Number)
        .reduce((a, b) => a + b, 0) === totalRuns
        ? counts
        : undefined;
    });
    await page.waitForFunction((points) => document.querySelector('#chart-profiles')?.getAttribute('data-points') === points, after, {
      timeout: 30_000,
    });
    await page.waitForFunction(
      (n) => (document.querySelector('#chart-profiles-body svg g.mark-symbol.role-mark')?.querySelectorAll('path').length ?? 0) === n,
      totalRuns,
      { timeout: 30_000 },
    );
    expect(await page.locator('#runs-table tr[data-state="succeeded"]').count()).toBe(totalRuns);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await screenshot(page, 'study-after-live-update');
    const errors = chrome.errors.slice(errorsFrom);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it("shows the budget's allocation and draws its final run's loss curve against the prediction as it arrives", async () => {
    const errorsFrom = chrome.errors.length;
    const page = await chrome.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await eventually('the final run to be queued', async () => ((await getBudget()).status?.finalRun ? true : undefined));
    await logIn(page, plane.url, TOKEN, `/budgets/${NS}/${BUDGET}`);
    await waitForDashboard(page);
    expect(await page.textContent('#allocation')).toContain('N_opt');
    expect(await page.locator('h1 + p .badge.simulated').count()).toBe(1);
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    finalGate.release(1);
    const budget = await eventually('the final run to finish', async () => {
      const b = await getBudget();
      return b.status?.finalRun?.state === 'succeeded' ? b : undefined;
    });
    expect(budget.status?.finalRun?.simulated).toBe(true);
    await page.waitForFunction(() => document.querySelector('#final-run')?.textContent?.includes('succeeded'), undefined, {
      timeout: 30_000,
    });
    // The stored curve (train and eval lines) and the dashed prediction rule are drawn.
    await page.waitForFunction(
      () => document.querySelectorAll('#chart-final-run-body svg g.mark-line.role-mark path').length >= 1,
      undefined,
      { timeout: 30_000 },
    );
    expect(
      await page
        .locator('#chart-final-run-body svg g.mark-rule.role-mark path, #chart-final-run-body svg g.mark-rule.role-mark line')
        .count(),
    ).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await screenshot(page, 'budget-final-run');
    const errors = chrome.errors.slice(errorsFrom);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it("exports runs and fits as CSV and JSON, plots as SVG, and shows each run's loss curve", async () => {
    const errorsFrom = chrome.errors.length;
    const page = await chrome.newPage();
    await logIn(page, plane.url, TOKEN, `/studies/${NS}/${STUDY}`);
    await waitForDashboard(page);
    const csv = await page.request.get(`${plane.url}/dashboard/api/studies/${NS}/${STUDY}/runs.csv`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-disposition']).toContain(`${STUDY}-runs.csv`);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines).toHaveLength(totalRuns + 1);
    expect(lines.slice(1).every((line) => line.includes(',true,'))).toBe(true);
    const fits = await (await page.request.get(`${plane.url}/dashboard/api/studies/${NS}/${STUDY}/fits.json`)).json();
    expect(fits.simulated).toBe(true);
    expect(fits.fits.map((f: { method: number }) => f.method).sort()).toEqual([2, 3]);
    const runsJson = await (await page.request.get(`${plane.url}/dashboard/api/studies/${NS}/${STUDY}/runs.json`)).json();
    expect(runsJson.items).toHaveLength(totalRuns);
    expect((await page.request.get(`${plane.url}/dashboard/api/studies/${NS}/${STUDY}/fits.csv`)).status()).toBe(200);

    const menu = page.locator('#chart-frontier-params details');
    await menu.locator('summary').click();
    const [download] = await Promise.all([page.waitForEvent('download'), menu.getByText('Save as SVG').click()]);
    expect(download.suggestedFilename()).toBe(`${STUDY}-frontier-params.svg`);

    const first = page.locator('#runs-table button[data-run]').first();
    await first.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('tr.curve-row .chart-body[data-rendered]');
    expect(await page.locator('#runs-table button[aria-expanded="true"]').count()).toBe(1);
    await screenshot(page, 'study-run-curve');
    const errors = chrome.errors.slice(errorsFrom);
    expect(errors, errors.join('\n')).toEqual([]);
    await page.close();
  });

  it('is keyboard-navigable: the first Tab reaches the skip link, which moves focus to the content', async () => {
    const page = await chrome.newPage();
    await logIn(page, plane.url, TOKEN, '/budgets');
    await waitForDashboard(page);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    const unlabelled = await page.evaluate(
      () =>
        [...document.querySelectorAll('table')].filter((t) => !t.querySelector('caption') || !t.querySelector('th[scope="col"]')).length,
    );
    expect(unlabelled).toBe(0);
    await page.close();
  });
});
