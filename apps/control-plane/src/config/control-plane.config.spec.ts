import { describe, expect, it } from 'vitest';
import { loadControlPlaneConfig } from './control-plane.config.js';

const kubernetes = { SCALEPLAN_DISPATCH: 'kubernetes', SCALEPLAN_DASHBOARD_TOKEN: 't' };

describe('loadControlPlaneConfig: exposure and single-writer settings', () => {
  it('binds 127.0.0.1 in local mode and 0.0.0.0 in kubernetes mode (probes reach the pod IP); SCALEPLAN_BIND chooses', () => {
    expect(loadControlPlaneConfig({}).host).toBe('127.0.0.1');
    expect(loadControlPlaneConfig(kubernetes).host).toBe('0.0.0.0');
    expect(loadControlPlaneConfig({ SCALEPLAN_BIND: '::1' }).host).toBe('::1');
    expect(loadControlPlaneConfig({ ...kubernetes, SCALEPLAN_BIND: '10.0.0.7' }).host).toBe('10.0.0.7');
  });

  it('applies the documented defaults of the SSE cap, the leader lease and the local workers’ lock', () => {
    const config = loadControlPlaneConfig({});
    expect(config).toMatchObject({ sseMaxClients: 100, leaderLeaseSeconds: 15 });
    expect(config.tuning.localWorkerLockMs).toBe(15_000);
    expect(loadControlPlaneConfig({ SCALEPLAN_LOCK_DURATION_MS: '2000' }).tuning.localWorkerLockMs).toBe(2000);
    expect(
      loadControlPlaneConfig({ SCALEPLAN_LOCK_DURATION_MS: '2000' }, { tuning: { localWorkerLockMs: 500 } }).tuning.localWorkerLockMs,
    ).toBe(500);
  });

  it('names every bad exposure variable at once', () => {
    const env = { SCALEPLAN_BIND: 'everywhere', SCALEPLAN_SSE_MAX_CLIENTS: '0', SCALEPLAN_LEADER_LEASE_SECONDS: 'soon' };
    let message = '';
    try {
      loadControlPlaneConfig(env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('SCALEPLAN_BIND=everywhere is not an IP address');
    for (const name of Object.keys(env)) expect(message).toContain(name);
  });
});
