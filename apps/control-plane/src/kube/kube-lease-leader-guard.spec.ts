import { ApiException, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeLeaseLeaderGuard } from './kube-lease-leader-guard.js';

const log = pino({ level: 'silent' });
type LeaseApi = Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>;

/** An in-memory Lease endpoint with the API server's optimistic concurrency (409 on a stale resourceVersion). */
function fakeLeaseApi(): LeaseApi & { lease: V1Lease | undefined; down: boolean; writes: V1Lease[] } {
  let version = 0;
  const copy = (lease: V1Lease): V1Lease => JSON.parse(JSON.stringify(lease)) as V1Lease;
  const conflict = () => new ApiException(409, 'Conflict', { reason: 'Conflict' }, {});
  const api = {
    lease: undefined as V1Lease | undefined,
    down: false,
    writes: [] as V1Lease[],
    async readNamespacedLease() {
      if (api.down) throw new Error('connect ECONNREFUSED');
      if (!api.lease) throw new ApiException(404, 'NotFound', { reason: 'NotFound' }, {});
      return copy(api.lease);
    },
    async createNamespacedLease({ body }: { body: V1Lease }) {
      if (api.down) throw new Error('connect ECONNREFUSED');
      if (api.lease) throw conflict();
      api.lease = { ...copy(body), metadata: { ...body.metadata, resourceVersion: String(++version) } };
      api.writes.push(copy(api.lease));
      return copy(api.lease);
    },
    async replaceNamespacedLease({ body }: { body: V1Lease }) {
      if (api.down) throw new Error('connect ECONNREFUSED');
      if (body.metadata?.resourceVersion !== api.lease?.metadata?.resourceVersion) throw conflict();
      api.lease = { ...copy(body), metadata: { ...body.metadata, resourceVersion: String(++version) } };
      api.writes.push(copy(api.lease));
      return copy(api.lease);
    },
  };
  return api as never;
}

const handlers = () => {
  const calls: string[] = [];
  return {
    calls,
    onStartedLeading: () => void calls.push('started'),
    onStoppedLeading: (reason: string) => void calls.push(`stopped: ${reason}`),
  };
};
const guard = (api: LeaseApi, identity: string, onRoleChange?: (leading: boolean) => Promise<void>) =>
  new KubeLeaseLeaderGuard(
    api,
    {
      namespace: 'scaleplan',
      name: 'scaleplan-control-plane',
      leaseSeconds: 12,
      identity,
      retryMs: 2000,
      ...(onRoleChange ? { onRoleChange } : {}),
    },
    log,
  );

describe('KubeLeaseLeaderGuard', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('creates the Lease and leads; a second candidate waits as standby naming the holder', async () => {
    const api = fakeLeaseApi();
    const [a, b] = [guard(api, 'cp-a'), guard(api, 'cp-b')];
    const [ha, hb] = [handlers(), handlers()];
    await a.start(ha);
    await b.start(hb);
    expect(a.isLeader()).toBe(true);
    expect(b.status()).toMatchObject({ state: 'standby', holder: 'cp-a' });
    expect(b.status().message).toContain('takes over when it stops, or within 12 s of its crash');
    expect(ha.calls).toEqual(['started']);
    expect(hb.calls).toEqual([]);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: 'cp-a', leaseDurationSeconds: 12, leaseTransitions: 0 });
    expect(String(api.lease?.spec?.renewTime)).toBe('2030-01-01T00:00:00.000000Z'); // MicroTime: six fraction digits
    await a.stop();
    await b.stop();
  });

  it('keeps the standby waiting while the leader renews, and hands over within lease + retry of a crash', async () => {
    const api = fakeLeaseApi();
    const [a, b] = [guard(api, 'cp-a'), guard(api, 'cp-b')];
    const hb = handlers();
    await a.start(handlers());
    await b.start(hb);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(b.isLeader()).toBe(false);
    // A crash: the leader's timer stops without releasing the Lease.
    (a as unknown as { stopped: boolean }).stopped = true;
    const crashedAt = Date.now();
    let tookOverAt: number | undefined;
    for (let t = 0; t < 20_000 && tookOverAt === undefined; t += 500) {
      await vi.advanceTimersByTimeAsync(500);
      if (b.isLeader()) tookOverAt = Date.now();
    }
    expect(tookOverAt! - crashedAt).toBeLessThanOrEqual(12_000 + 2000);
    expect(hb.calls).toEqual(['started']);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: 'cp-b', leaseTransitions: 1 });
    await b.stop();
  });

  it('releases the Lease on stop, so the standby takes over at its next try', async () => {
    const api = fakeLeaseApi();
    const roles: boolean[] = [];
    const [a, b] = [guard(api, 'cp-a', async (leading) => void roles.push(leading)), guard(api, 'cp-b')];
    await a.start(handlers());
    await b.start(handlers());
    await a.stop();
    expect(api.lease?.spec?.holderIdentity).toBe('');
    expect(roles).toEqual([true, false]);
    expect(a.standbyReady).toBe(true);
    expect(b.standbyReady).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(b.isLeader()).toBe(true);
    await b.stop();
  });

  it('lets only one of two racing candidates win (409 on the stale write)', async () => {
    const api = fakeLeaseApi();
    const [a, b] = [guard(api, 'cp-a'), guard(api, 'cp-b')];
    await Promise.all([a.start(handlers()), b.start(handlers())]);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    await a.stop();
    await b.stop();
  });

  it('stops leading when it cannot renew within two thirds of the lease, before anyone else may take it', async () => {
    const api = fakeLeaseApi();
    const a = guard(api, 'cp-a');
    const ha = handlers();
    await a.start(ha);
    api.down = true;
    await vi.advanceTimersByTimeAsync(6000);
    expect(a.isLeader()).toBe(true); // a short outage is survived
    await vi.advanceTimersByTimeAsync(4000);
    expect(a.status().state).toBe('lost');
    expect(ha.calls).toEqual(['started', 'stopped: could not renew the Lease scaleplan/scaleplan-control-plane for 8 s']);
    await a.stop();
  });

  it('stops leading at once when another holder has the Lease', async () => {
    const api = fakeLeaseApi();
    const a = guard(api, 'cp-a');
    const ha = handlers();
    await a.start(ha);
    api.lease = { ...api.lease!, spec: { ...api.lease!.spec, holderIdentity: 'cp-z' } };
    await vi.advanceTimersByTimeAsync(2000);
    expect(ha.calls).toEqual(['started', 'stopped: control plane cp-z took the Lease scaleplan/scaleplan-control-plane']);
  });
});
