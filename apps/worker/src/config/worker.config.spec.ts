import { describe, expect, it } from 'vitest';
import { loadWorkerConfig, WorkerConfigError } from './worker.config.js';

describe('loadWorkerConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadWorkerConfig({})).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'scaleplan',
      checkpointDir: './.scaleplan/checkpoints',
      backend: 'auto',
      lockDurationMs: 15_000,
      stalledIntervalMs: 15_000,
      idleExitSeconds: 0,
      logLevel: 'info',
      parentPid: 0,
    });
  });

  it('reads the pid of the control plane that started a local worker', () => {
    expect(loadWorkerConfig({ SCALEPLAN_PARENT_PID: '4242' }).parentPid).toBe(4242);
    expect(() => loadWorkerConfig({ SCALEPLAN_PARENT_PID: 'me' })).toThrow(/SCALEPLAN_PARENT_PID/);
  });

  it('names every bad variable at once', () => {
    const env = {
      REDIS_URL: 'localhost',
      SCALEPLAN_TFJS_BACKEND: 'cuda',
      SCALEPLAN_LOCK_DURATION_MS: 'soon',
      SCALEPLAN_WORKER_IDLE_EXIT_SECONDS: '-1',
      LOG_LEVEL: 'loud',
    };
    let error: unknown;
    try {
      loadWorkerConfig(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WorkerConfigError);
    const message = (error as Error).message;
    for (const name of Object.keys(env)) expect(message).toContain(name);
    expect((error as WorkerConfigError).problems).toHaveLength(5);
  });
});
