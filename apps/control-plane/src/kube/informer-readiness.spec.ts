import { describe, expect, it } from 'vitest';
import { InformerReadiness } from './informer-readiness.js';
import type { InformerHealth } from './kubernetes-backends.js';

const NOW = 1_000_000;
const watching = (kind: string): InformerHealth => ({ kind, healthy: true, restarts: 0, running: true });
const failing = (kind: string, forMs: number, restarts = 3): InformerHealth => ({
  kind,
  healthy: false,
  restarts,
  running: true,
  failingSince: NOW - forMs,
});

describe('InformerReadiness', () => {
  const cases: Array<{ name: string; informers: InformerHealth[]; ready: boolean; message?: RegExp }> = [
    { name: 'both informers watching', informers: [watching('ScalingLaw'), watching('ComputeBudget')], ready: true },
    {
      name: 'one failing within the grace period (a dropped watch mending itself)',
      informers: [watching('ScalingLaw'), failing('ComputeBudget', 9_999)],
      ready: true,
    },
    {
      name: 'one failing past the grace period',
      informers: [watching('ScalingLaw'), failing('ComputeBudget', 10_000, 4)],
      ready: false,
      message: /^Kubernetes watch unavailable: the ComputeBudget informer has been failing for 10 s \(4 restarts\)$/,
    },
    {
      name: 'one not running (never started or stopped)',
      informers: [{ ...watching('ScalingLaw'), healthy: false, running: false }, watching('ComputeBudget')],
      ready: false,
      message: /the ScalingLaw informer is not running/,
    },
    {
      name: 'both failing: both named',
      informers: [failing('ScalingLaw', 60_000), failing('ComputeBudget', 60_000)],
      ready: false,
      message: /ScalingLaw informer has been failing for 60 s.*; the ComputeBudget informer has been failing for 60 s/,
    },
  ];

  for (const c of cases) {
    it(`${c.ready ? 'ready' : 'not ready'}: ${c.name}`, () => {
      const result = new InformerReadiness(
        () => c.informers,
        10_000,
        () => NOW,
      ).check();
      expect(result.ready).toBe(c.ready);
      if (c.message) expect(result.message).toMatch(c.message);
      else expect(result.message).toBeUndefined();
      for (const informer of c.informers)
        expect(result.details?.[informer.kind]).toMatchObject({ healthy: informer.healthy, restarts: informer.restarts });
    });
  }

  it('recovers as soon as the informer lists again', () => {
    let informers = [failing('ScalingLaw', 45_000)];
    const readiness = new InformerReadiness(
      () => informers,
      30_000,
      () => NOW,
    );
    expect(readiness.check().ready).toBe(false);
    informers = [{ ...watching('ScalingLaw'), restarts: 5 }];
    expect(readiness.check()).toMatchObject({ ready: true, details: { ScalingLaw: { healthy: true, restarts: 5 } } });
  });
});
