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
import { horizontalOverflow, launchChromium, logIn, screenshot, waitForDashboard, type DashboardBrowser } from './dashboard-browser.js';

const TOKEN = 'e2e-dashboard-token-0123456789';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `sp-dash-${process.pid}-${Date.now().toString(36)}`;
const NS = 'default';
const STUDY = 'sim-study';
const BUDGET = 'sim-budget';
const SCARCE_BUDGET = 'scarce-data';
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
    (await api().get(`/api/v1/namespaces/${NS}/scalinglaws/${STUDY}`).set('Authorization', `Bearer ${TOKEN}`).expect(200))
      .body as ScalingLaw;
  const getRuns = async (): Promise<RunRecord[]> =>
    (await api().get(`/api/v1/namespaces/${NS}/scalinglaws/${STUDY}/runs`).set('Authorization', `Bearer ${TOKEN}`).expect(200)).body
      .items as RunRecord[];
  const getBudget = async (): Promise<ComputeBudget> =>
    (await api().get(`/api/v1/namespaces/${NS}/computebudgets/${BUDGET}`).set('Authorization', `Bearer ${TOKEN}`).expect(200))
      .body as ComputeBudget;

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
    // A published law on scarce data: its allocation repeats the data ~28 times, which the page must warn about.
    await api()
      .post(`/api/v1/namespaces/${NS}/computebudgets`)
      .set('Authorization', `Bearer ${TOKEN}`)
      .send({
        apiVersion: 'scaleplan.dev/v1alpha1',
        kind: 'ComputeBudget',
        metadata: { name: SCARCE_BUDGET, namespace: NS },
        spec: { flops: 1e24, preset: 'epoch-2024', uniqueTokens: 1e11 },
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
    {
      name: 'budget-scarce-data',
      path: `/budgets/${NS}/${SCARCE_BUDGET}`,
      check: async (page) => {
        // The repetition warnings stand above the numbers, with the method, and why there is no interval here.
        expect(await page.textContent('#allocation-warnings')).toMatch(/27\.9 epochs/);
        const facts = await page.textContent('#allocation');
        expect(facts).toMatch(/Data repetition\s*27\.9 epochs over 100B unique tokens/);
        expect(facts).toMatch(/preset:epoch-2024, Approach 3 \(parametric\)/);
        expect(facts).toMatch(/no interval: the published interval covers the unconstrained allocation only/);
      },
    },
  ];

  it('renders every page without console errors or Vega warnings, and without sideways scrolling at 1280×800 and at phone width', async () => {
    const errorsFrom = chrome.errors.length;
    const warningsFrom = chrome.warnings.length;
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
        // Neither the page nor any table, card or chart in it scrolls sideways, at either width.
        const overflow = await horizontalOverflow(page);
        expect(overflow.page, `${name} scrolls sideways at ${viewport.label} width`).toBeLessThanOrEqual(1);
        expect(overflow.offenders, `${name} at ${viewport.label} width`).toEqual([]);
      }
      await page.goto(`${plane.url}/queues`);
      await page.getByText('runs', { exact: true }).first().waitFor();
      // A visible way back to the dashboard from bull-board.
      expect(await page.locator('a#scaleplan-back').getAttribute('href')).toBe('/studies');
      expect(await page.locator('a#scaleplan-back').isVisible()).toBe(true);
      await screenshot(page, `queues-${viewport.label}`);
      if (viewport.label === 'desktop') {
        // Collected runs stay on the board as completed jobs (the last 100).
        await page.goto(`${plane.url}/queues/queue/${QueueName.Runs}?status=completed`);
        await page.getByText(`${NS}/${STUDY}/c`, { exact: false }).first().waitFor();
        await screenshot(page, 'queues-completed');
      }
    }
    // The security headers apply to the whole server: the API docs must still work under them.
    await page.goto(`${plane.url}/docs`);
    await page.waitForSelector('.swagger-ui .opblock');
    const errors = chrome.errors.slice(errorsFrom);
    expect(errors, errors.join('\n')).toEqual([]);
    // Vega warns on the console when it has to work around a spec (an unsorted discrete field, a dropped property).
    // The dashboard's own pages only: bull-board and the API docs are third-party pages (bull-board's preload hints
    // warn when the machine is slow).
    const ours = (warning: string) => !new URL(warning.slice(0, warning.indexOf(': console.warn'))).pathname.match(/^\/(queues|docs)/);
    const warnings = chrome.warnings.slice(warningsFrom).filter(ours);
    expect(warnings, warnings.join('\n')).toEqual([]);
    await page.close();
  });

  it('draws the plots as their captions say: fixed colours, filled or hollow minima, dashed presets in the legend, the true law, verdicts', async () => {
    const page = await chrome.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await logIn(page, plane.url, TOKEN, `/studies/${NS}/${STUDY}`);
    await waitForDashboard(page);
    await page.waitForSelector('#chart-frontier-params-body[data-rendered]');
    await page.waitForSelector('#chart-profiles-body[data-rendered]');
    await page.waitForSelector('#chart-contours-body[data-rendered]');
    // Frontier legend: each series in its fixed colour, the published laws dashed, the true law dotted.
    const legend = await page.evaluate(() => {
      const svg = document.querySelector('#chart-frontier-params-body svg')!;
      const group = [...svg.querySelectorAll('g.role-legend')].find((g) => g.textContent?.includes('(published)'))!;
      const labels = [...group.querySelectorAll('g.role-legend-label text')].map((t) => t.textContent);
      const symbols = [...group.querySelectorAll('g.role-legend-symbol path')].map((p) => ({
        stroke: p.getAttribute('stroke'),
        dash: p.getAttribute('stroke-dasharray'),
      }));
      return labels.map((label, i) => ({ label, ...symbols[i] }));
    });
    const entry = (label: string) => legend.find((l) => l.label === label);
    expect(entry('Approach 3 (parametric)')).toMatchObject({ stroke: '#0072B2' });
    expect(entry('Approach 2 (IsoFLOP)')).toMatchObject({ stroke: '#009E73' });
    expect(entry('chinchilla-2022 (published)')).toMatchObject({ stroke: '#CC79A7', dash: '7,4' });
    expect(entry('epoch-2024 (published)')).toMatchObject({ stroke: '#E69F00', dash: '7,4' });
    expect(entry('true law (simulated)')).toMatchObject({ stroke: '#111111', dash: '2,3' });
    expect(entry('Approach 3 (parametric)')?.dash ?? '').toMatch(/^(|0|none)$/);
    // IsoFLOP minima: filled when bracketed, hollow when extrapolated, exactly as the plot data says.
    const plots = (await (await page.request.get(`${plane.url}/dashboard/api/studies/${NS}/${STUDY}/plots`)).json()) as {
      profiles: { parabola?: { bracketed: boolean; minimum?: unknown } }[];
    };
    const expectedFills = plots.profiles.filter((p) => p.parabola?.minimum).map((p) => (p.parabola!.bracketed ? '#111111' : '#ffffff'));
    const fills = await page.evaluate(() =>
      Array.from([...document.querySelectorAll('#chart-profiles-body svg g.mark-symbol.role-mark')][1]!.querySelectorAll('path'), (p) =>
        p.getAttribute('fill'),
      ),
    );
    expect(fills).toEqual(expectedFills);
    // Iso-loss levels are labelled on the contours.
    expect(await page.locator('#chart-contours-body svg g.mark-text.role-mark text').count()).toBeGreaterThanOrEqual(3);
    // Verdicts and diagnostics of every fit, and the simulated study's true law under the fits.
    expect(await page.locator('#fits-heading ~ .table-wrap tr[data-method="3"] .badge[class*="verdict-"]').count()).toBe(1);
    expect(await page.locator('#fit-diagnostics details.fit-diagnostics').count()).toBe(2);
    expect(await page.locator('#fits-heading ~ .table-wrap tr[data-method="truth"]').count()).toBe(1);
    await screenshot(page, 'study-plots');
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
    // After success the latest loss is the final one, not a dash, and the end of training is drawn against the band.
    expect(await page.textContent('#final-run')).not.toMatch(/Latest loss—/);
    await page.waitForSelector('#chart-final-run-end-body[data-rendered]');
    expect(await page.locator('#chart-final-run-end-body svg g.mark-rect.role-mark path').count()).toBe(1);
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
