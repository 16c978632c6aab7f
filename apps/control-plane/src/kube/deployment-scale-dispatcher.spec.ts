import { ApiException } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DeploymentScaleDispatcher, desiredReplicas } from './deployment-scale-dispatcher.js';

class FakeApps {
  replicas = 0;
  patches: number[] = [];
  reads = 0;
  missing = false;
  async readNamespacedDeploymentScale() {
    this.reads += 1;
    if (this.missing) throw new ApiException(404, 'Not Found', {}, {});
    return { spec: { replicas: this.replicas } };
  }
  async patchNamespacedDeploymentScale(a: { body: { spec: { replicas: number } } }) {
    this.replicas = a.body.spec.replicas;
    this.patches.push(this.replicas);
    return {};
  }
}

const log = pino({ level: 'silent' });
const options = { namespace: 'scaleplan', deployment: 'scaleplan-worker', minReplicas: 1, maxReplicas: 4, scaleDownDelayMs: 1000 };

describe('desiredReplicas', () => {
  it.each([
    [{ waiting: 0, active: 0 }, 1],
    [{ waiting: 2, active: 1 }, 3],
    [{ waiting: 50, active: 4 }, 4],
  ])('%o → %i', (demand, expected) => expect(desiredReplicas(demand, 1, 4)).toBe(expected));
});

describe('DeploymentScaleDispatcher', () => {
  it('scales up at once through the scale subresource, and only when the count changes', async () => {
    const apps = new FakeApps();
    const dispatcher = new DeploymentScaleDispatcher(apps as never, options, log);
    await dispatcher.reconcileWorkers({ waiting: 3, active: 0 });
    await dispatcher.reconcileWorkers({ waiting: 2, active: 1 });
    await dispatcher.reconcileWorkers({ waiting: 10, active: 2 });
    expect(apps.patches).toEqual([3, 4]);
    expect(apps.reads).toBe(1);
  });

  it('scales down only after demand stayed low for the delay', async () => {
    const apps = new FakeApps();
    let now = 0;
    const dispatcher = new DeploymentScaleDispatcher(apps as never, options, log, () => now);
    await dispatcher.reconcileWorkers({ waiting: 4, active: 0 });
    now = 100;
    await dispatcher.reconcileWorkers({ waiting: 0, active: 0 });
    now = 900;
    await dispatcher.reconcileWorkers({ waiting: 0, active: 0 });
    expect(apps.patches).toEqual([4]);
    now = 1100;
    await dispatcher.reconcileWorkers({ waiting: 0, active: 0 });
    expect(apps.patches).toEqual([4, 1]); // down to SCALEPLAN_WORKERS_MIN
  });

  it('leaves a missing Deployment alone and keeps going', async () => {
    const apps = new FakeApps();
    apps.missing = true;
    const dispatcher = new DeploymentScaleDispatcher(apps as never, options, log);
    await expect(dispatcher.reconcileWorkers({ waiting: 3, active: 0 })).resolves.toBeUndefined();
    expect(apps.patches).toEqual([]);
    apps.missing = false;
    await dispatcher.reconcileWorkers({ waiting: 3, active: 0 });
    expect(apps.patches).toEqual([3]);
  });

  it('coalesces concurrent calls to the latest demand', async () => {
    const apps = new FakeApps();
    const dispatcher = new DeploymentScaleDispatcher(apps as never, { ...options, scaleDownDelayMs: 0 }, log);
    await Promise.all([
      dispatcher.reconcileWorkers({ waiting: 1, active: 0 }),
      dispatcher.reconcileWorkers({ waiting: 2, active: 0 }),
      dispatcher.reconcileWorkers({ waiting: 3, active: 0 }),
    ]);
    expect(apps.patches.at(-1)).toBe(3);
    expect(apps.patches.length).toBeLessThanOrEqual(2);
  });
});
