import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, redisReachable } from '../../apps/demo/src/index.js';
import { simulatedStudy, TEST_TOKEN, uniquePrefix, waitFor } from '../support/e2e-harness.js';
import { printChaosTable, type ChaosFigure } from './faults-table.js';

// A fault schedule over one simulated study of 56 runs, against the built control plane as a real process
// (dist/, as `scaleplan serve` runs it) with local worker processes, on a private redis-server (its own
// port, append-only file) so that restarting it disturbs nobody: kill -9 of a worker, kill -9 of the
// control plane (its orphaned workers must exit; a new one takes over once the lease expires), a Redis
// restart, Redis down for 30 s, and every Redis connection dropped (the workers' blocking job waits and the
// cancellation subscription: local mode's watches). Afterwards the runs stored are exactly the runs the
// study planned, none twice, all finished, and the study's finished count never went backwards.

const ENTRY = 'dist/apps/control-plane/src/main.js';
const BUDGETS = [1e17, 2e17, 5e17, 1e18, 2e18, 5e18, 1e19];
const SIZES_PER_BUDGET = 8;
const PLANNED_RUNS = BUDGETS.length * SIZES_PER_BUDGET;
const REDIS_DOWN_SECONDS = 30;
const LEASE_SECONDS = 2;
const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

interface StudyStatus {
  phase?: string;
  runs?: { planned: number; queued: number; running: number; succeeded: number; failed: number; diverged: number };
  primaryFit?: { runs: number };
}
interface StoredRun {
  runId: string;
  state: string;
  budgetFlops: number;
  params: number;
  seed: number;
  attempts: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const finishedOf = (status: StudyStatus): number => (status.runs ? status.runs.succeeded + status.runs.failed + status.runs.diverged : 0);
/** Live child processes of `pid` (the control plane's local workers). */
const childrenOf = (pid: number): number[] => {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((child) => child > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
};
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('chaos: fault schedule over a simulated study (private Redis, control plane and workers as processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scaleplan-chaos-'));
  const prefix = uniquePrefix('chaos-faults');
  const processes: ChildProcess[] = [];
  let redisPort = 0;
  let httpPort = 0;
  let url = '';

  const startRedis = (): ChildProcess => {
    const redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'],
      { stdio: 'ignore' },
    );
    processes.push(redis);
    return redis;
  };
  const startControlPlane = (): ChildProcess => {
    const log = openSync(join(dir, 'control-plane.log'), 'a');
    const cp = spawn(process.execPath, [ENTRY], {
      env: {
        ...process.env,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PORT: String(httpPort),
        SCALEPLAN_QUEUE_PREFIX: prefix,
        SCALEPLAN_DASHBOARD_TOKEN: TEST_TOKEN,
        SCALEPLAN_LEADER_LEASE_SECONDS: String(LEASE_SECONDS),
        SCALEPLAN_LOCAL_WORKERS_MAX: '2',
        SCALEPLAN_LOCK_DURATION_MS: '2000',
        SCALEPLAN_CHECKPOINT_DIR: join(dir, 'checkpoints'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    processes.push(cp);
    return cp;
  };
  const api = async <T>(path: string): Promise<T | undefined> => {
    try {
      const response = await fetch(`${url}${path}`, { headers: auth, signal: AbortSignal.timeout(2000) });
      return response.ok ? ((await response.json()) as T) : undefined;
    } catch {
      return undefined; // control plane or Redis down: the observer skips that sample
    }
  };
  const study = () => api<{ status?: StudyStatus }>('/api/v1/namespaces/default/scalinglaws/chaos').then((body) => body?.status);
  const ready = () =>
    fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );

  afterAll(() => {
    for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('stores every submitted run once, finishes, and never reports progress backwards', { timeout: 300_000 }, async () => {
    expect(existsSync(ENTRY), `${ENTRY} is missing: npm run build first (npm run test:chaos does)`).toBe(true);
    redisPort = await freePort();
    httpPort = await freePort();
    url = `http://127.0.0.1:${httpPort}`;
    let redis = startRedis();
    await waitFor('the private Redis', () => redisReachable(`redis://127.0.0.1:${redisPort}`, 300), 10_000);
    let cp = startControlPlane();
    await waitFor('the control plane', ready, 30_000, 100);

    const body = simulatedStudy(
      'chaos',
      {
        budgets: BUDGETS,
        sizesPerBudget: SIZES_PER_BUDGET,
        simulate: {
          law: { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 },
          noise: 0.005,
          durationMs: 400,
        },
      },
      { maxConcurrentRuns: 2, maxFailedRuns: 10 },
    );
    const created = await fetch(`${url}/api/v1/namespaces/default/scalinglaws`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(created.status).toBe(201);

    // The observer: the study's finished count, sampled all along; it must never go down.
    const samples: number[] = [];
    let missedSamples = 0;
    let observing = true;
    const observer = (async () => {
      while (observing) {
        const status = await study();
        if (status) samples.push(finishedOf(status));
        else missedSamples += 1;
        await sleep(250);
      }
    })();
    const finishedNow = async (): Promise<number> => finishedOf((await study()) ?? {});
    const progressBy = async (what: string, runs: number, timeoutMs = 60_000): Promise<void> => {
      const from = await waitFor(`a reading before ${what}`, async () => (await study()) && finishedNow(), 60_000, 200);
      await waitFor(
        `${runs} more runs after ${what}`,
        async () => (await finishedNow()) >= Math.min(PLANNED_RUNS, from + runs),
        timeoutMs,
        200,
      );
    };
    const figures: ChaosFigure[] = [];
    const timed = async (scenario: string, fault: () => Promise<string>): Promise<void> => {
      const started = performance.now();
      const detail = await fault();
      const seconds = (performance.now() - started) / 1000;
      figures.push({
        scenario,
        figure: 'fault, then 4 more runs finished',
        value: `${seconds.toFixed(1)} s${detail ? `; ${detail}` : ''}`,
        bound: '',
        ok: true,
      });
    };

    await progressBy('the start', 4);

    await timed('kill -9 worker', async () => {
      const [victim] = await waitFor('a worker process', () => {
        const workers = childrenOf(cp.pid!);
        return workers.length > 0 ? workers : undefined;
      });
      process.kill(victim!, 'SIGKILL');
      await progressBy('kill -9 of a worker', 4);
      return `worker ${victim}`;
    });

    let orphansGoneSeconds = Number.NaN;
    await timed('kill -9 control plane', async () => {
      const workers = await waitFor('the control plane to have workers', () => {
        const pids = childrenOf(cp.pid!);
        return pids.length > 0 ? pids : undefined;
      });
      const killedAt = performance.now();
      cp.kill('SIGKILL');
      await waitFor('its orphaned workers to exit', () => workers.every((pid) => !alive(pid)), 35_000, 100);
      orphansGoneSeconds = (performance.now() - killedAt) / 1000;
      cp = startControlPlane();
      await waitFor('the new control plane to lead', ready, 30_000, 100);
      await progressBy('kill -9 of the control plane', 4);
      return `${workers.length} orphaned workers exited after ${orphansGoneSeconds.toFixed(1)} s`;
    });

    await timed('Redis restart', async () => {
      redis.kill('SIGTERM');
      await new Promise((resolve) => redis.once('exit', resolve));
      redis = startRedis();
      await progressBy('the Redis restart', 4);
      return '';
    });

    await timed(`Redis down ${REDIS_DOWN_SECONDS} s`, async () => {
      redis.kill('SIGKILL');
      await new Promise((resolve) => redis.once('exit', resolve));
      await sleep(REDIS_DOWN_SECONDS * 1000);
      redis = startRedis();
      await progressBy('the Redis outage', 4, 90_000);
      return '';
    });

    await timed('dropped watches', async () => {
      const admin = new Redis(`redis://127.0.0.1:${redisPort}`);
      // Every other connection: the workers' blocking waits for jobs, their cancellation subscription, the control plane's clients.
      const kill = (...args: string[]) => admin.call('CLIENT', 'KILL', ...args).then(Number);
      const dropped = (await kill('TYPE', 'pubsub')) + (await kill('TYPE', 'normal', 'SKIPME', 'yes'));
      admin.disconnect();
      await progressBy('the dropped connections', 4);
      return `${dropped} connections dropped`;
    });

    const finalStatus = await waitFor(
      'the study to finish',
      async () => {
        const status = await study();
        return status && (status.phase === 'Ready' || status.phase === 'Degraded') && finishedOf(status) === PLANNED_RUNS
          ? status
          : undefined;
      },
      120_000,
      250,
    );
    observing = false;
    await observer;

    const runs = (await api<{ items: StoredRun[] }>('/api/v1/namespaces/default/scalinglaws/chaos/runs'))!.items;
    const uniqueIds = new Set(runs.map((r) => r.runId)).size;
    const uniquePoints = new Set(runs.map((r) => `${r.budgetFlops}/${r.params}/${r.seed}`)).size;
    const succeeded = runs.filter((r) => r.state === 'succeeded').length;
    const backwards = samples.filter((value, i) => i > 0 && value < samples[i - 1]!).length;
    const extraAttempts = runs.reduce((sum, r) => sum + Math.max(0, r.attempts - 1), 0);
    // Jobs still to run or to collect (finished jobs kept for bull-board after collection do not count).
    const depth = await waitFor('the queue depth', async () => {
      const response = await fetch(`${url}/readyz`);
      return response.ok ? ((await response.json()) as { queue: Record<string, number> }).queue : undefined;
    });
    const jobsLeft = Object.values(depth).reduce((sum, count) => sum + count, 0);
    figures.push(
      {
        scenario: 'orphans',
        figure: 'workers of the killed control plane exited',
        value: `${orphansGoneSeconds.toFixed(1)} s`,
        bound: '< 35 s',
        ok: orphansGoneSeconds < 35,
      },
      {
        scenario: 'result',
        figure: 'runs submitted = stored',
        value: `${PLANNED_RUNS} = ${runs.length}`,
        bound: 'equal',
        ok: runs.length === PLANNED_RUNS,
      },
      {
        scenario: 'result',
        figure: 'distinct run ids / sweep points',
        value: `${uniqueIds} / ${uniquePoints}`,
        bound: `${PLANNED_RUNS} / ${PLANNED_RUNS}`,
        ok: uniqueIds === PLANNED_RUNS && uniquePoints === PLANNED_RUNS,
      },
      { scenario: 'result', figure: 'runs succeeded', value: `${succeeded}`, bound: `${PLANNED_RUNS}`, ok: succeeded === PLANNED_RUNS },
      { scenario: 'result', figure: 'retried attempts (killed runs)', value: `${extraAttempts}`, bound: '(printed)', ok: true },
      {
        scenario: 'status',
        figure: 'finished-count samples, backwards steps',
        value: `${samples.length} samples, ${backwards} backwards (${missedSamples} unreadable during outages)`,
        bound: '0 backwards',
        ok: backwards === 0,
      },
      {
        scenario: 'status',
        figure: 'final phase, runs in the primary fit',
        value: `${finalStatus.phase}, ${finalStatus.primaryFit?.runs ?? 0}`,
        bound: `Ready/Degraded, ${PLANNED_RUNS}`,
        ok: finalStatus.primaryFit?.runs === PLANNED_RUNS,
      },
      { scenario: 'queue', figure: 'jobs left to run or to collect', value: `${jobsLeft}`, bound: '0', ok: jobsLeft === 0 },
    );
    printChaosTable(
      `chaos: fault schedule over a simulated study of ${PLANNED_RUNS} runs (log: ${join(dir, 'control-plane.log')})`,
      figures,
    );

    expect(orphansGoneSeconds).toBeLessThan(35);
    expect(runs).toHaveLength(PLANNED_RUNS);
    expect(uniqueIds).toBe(PLANNED_RUNS);
    expect(uniquePoints).toBe(PLANNED_RUNS);
    expect(succeeded).toBe(PLANNED_RUNS);
    expect(backwards).toBe(0);
    expect(finalStatus.primaryFit?.runs).toBe(PLANNED_RUNS);
    expect(jobsLeft).toBe(0);
    expect(readFileSync(join(dir, 'control-plane.log'), 'utf8')).not.toMatch(/"level":(50|60)[^\n]*Failed to handle request/);
  });
});
