/* eslint-disable @typescript-eslint/no-explicit-any -- test doubles and parsed YAML are loosely typed on purpose */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EVENT_SOURCE, KubeEventRecorder } from './kube-event-recorder.js';

const subject = {
  apiVersion: 'scaleplan.dev/v1alpha1',
  kind: 'ComputeBudget',
  metadata: { name: 'b1', namespace: 'ns', uid: 'u1', resourceVersion: '7' },
};

describe('KubeEventRecorder', () => {
  it('creates a core/v1 Event about the object, then bumps count on a repeat', async () => {
    const created: any[] = [];
    const patched: any[] = [];
    const core = {
      createNamespacedEvent: async (a: any) => {
        created.push(a);
        return a.body;
      },
      patchNamespacedEvent: async (a: any) => {
        patched.push(a);
        return {};
      },
    };
    const recorder = new KubeEventRecorder(core as never, pino({ level: 'silent' }), () => new Date('2026-01-01T00:00:00Z'));
    await recorder.record(subject, 'Normal', 'AllocationResolved', 'N_opt 70B');
    await recorder.record(subject, 'Normal', 'AllocationResolved', 'N_opt 70B');
    expect(created).toHaveLength(1);
    expect(created[0].namespace).toBe('ns');
    expect(created[0].body).toMatchObject({
      involvedObject: { kind: 'ComputeBudget', name: 'b1', namespace: 'ns', uid: 'u1', apiVersion: 'scaleplan.dev/v1alpha1' },
      type: 'Normal',
      reason: 'AllocationResolved',
      message: 'N_opt 70B',
      count: 1,
      source: { component: EVENT_SOURCE },
    });
    expect(patched[0]).toMatchObject({ name: created[0].body.metadata.name, namespace: 'ns', body: { count: 2 } });
  });

  it('never throws when the API refuses the Event', async () => {
    const core = {
      createNamespacedEvent: async () => {
        throw new Error('forbidden');
      },
      patchNamespacedEvent: async () => ({}),
    };
    const recorder = new KubeEventRecorder(core as never, pino({ level: 'silent' }));
    await expect(recorder.record(subject, 'Warning', 'BudgetTooSmall', 'x')).resolves.toBeUndefined();
  });
});
