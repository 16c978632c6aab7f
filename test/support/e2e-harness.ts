import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { WorkerEnv, type ScalingLaw } from '@scaleplan/contracts';
import { Redis } from 'ioredis';
import { startControlPlane, type ControlPlaneOverrides, type RunningControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import { deleteKeysWithPrefix } from '../../apps/control-plane/src/redis/redis-connection.js';
import { pollUntil } from './poll.js';

// The e2e harness: control planes started for tests, with unique Redis prefixes and fast timings.

/** The Redis the e2e tests use. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Bearer token every test control plane uses. */
export const TEST_TOKEN = 'e2e-token';
/** The Authorization header of mutating calls to a test control plane. */
export const TEST_AUTH = { Authorization: `Bearer ${TEST_TOKEN}` };

/** A unique key prefix per test (BullMQ queues, stores, runs). */
export const uniquePrefix = (label: string): string => `e2e-${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

/** Discards log lines (tests read state, not logs). */
export const nullStream = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

/**
 * A control plane for an e2e test: unique prefix, random port, fixed token, fast timings (short worker
 * locks so a killed worker's run comes back in ~2× lockMs), workers' output in a temp file.
 */
export function startTestControlPlane(overrides: ControlPlaneOverrides & { prefix: string }): Promise<RunningControlPlane> {
  const { prefix, tuning, ...rest } = overrides;
  const dir = mkdtempSync(join(tmpdir(), 'scaleplan-e2e-'));
  return startControlPlane({
    port: 0,
    host: '127.0.0.1',
    queuePrefix: prefix,
    dashboardToken: TEST_TOKEN,
    logDestination: nullStream(),
    env: { REDIS_URL: process.env.REDIS_URL, LOG_LEVEL: 'warn' },
    ...rest,
    tuning: {
      resyncSeconds: 1,
      refitDebounceMs: 100,
      localWorkerIdleExitSeconds: 5,
      localWorkerLockMs: 2000,
      runBackoffMs: 200,
      workerLogFile: join(dir, 'workers.log'),
      workerEnv: { [WorkerEnv.CheckpointDir]: join(dir, 'checkpoints') },
      ...tuning,
    },
  });
}

/** Deletes every key of a prefix (SCAN + UNLINK). */
export async function deletePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await deleteKeysWithPrefix(redis, prefix);
  } catch {
    // Redis already gone (tests of Redis outages clean up by stopping their private server).
  } finally {
    redis.disconnect();
  }
}

/** Polls `check` until it returns a value (not undefined/false) or the time is up. */
export function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  return pollUntil(what, check, { timeoutMs, intervalMs: everyMs });
}

/** The simulated law tests use (Chinchilla's published fit). */
export const TEST_LAW = { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 };

/** A simulated ScalingLaw body. */
export function simulatedStudy(name: string, sweep: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): ScalingLaw {
  return {
    apiVersion: 'scaleplan.dev/v1alpha1',
    kind: 'ScalingLaw',
    metadata: { name, namespace: 'default' },
    spec: {
      sweep: {
        budgets: [1e17, 1e18, 1e19],
        sizesPerBudget: 5,
        spanDecades: 1.5,
        seed: 0,
        simulate: { law: TEST_LAW, noise: 0.005, durationMs: 0 },
        ...sweep,
      },
      fit: { methods: [2, 3], primaryMethod: 3, bootstrap: 10, confidence: 0.8 },
      maxConcurrentRuns: 4,
      maxFailedRuns: 3,
      priority: 10,
      ...spec,
    },
  } as unknown as ScalingLaw;
}
