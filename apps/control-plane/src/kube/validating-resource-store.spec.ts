import { type ComputeBudget, computeBudgetSpecSchema, ConditionReason, ResourceKind } from '@scaleplan/contracts';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ResourceStore } from '../resources/resource-store.js';
import { ValidatingResourceStore } from './validating-resource-store.js';

const meta = (name: string, extra: Partial<ComputeBudget['metadata']> = {}) => ({
  name,
  namespace: 'ns',
  uid: `uid-${name}`,
  generation: 2,
  ...extra,
});

function fakeStore(objects: ComputeBudget[]) {
  const statuses: { name: string; status: unknown }[] = [];
  const store = {
    kind: ResourceKind.ComputeBudget,
    get: async (ref: { name: string }) => objects.find((o) => o.metadata.name === ref.name),
    list: async () => objects,
    patchStatus: async (ref: { name: string }, status: unknown) => {
      statuses.push({ name: ref.name, status });
      return objects[0];
    },
  } as unknown as ResourceStore<ComputeBudget>;
  return { store, statuses };
}

const policy = { reason: ConditionReason.InvalidBudget, phase: 'Degraded' } as const;
const log = pino({ level: 'silent' });

describe('ValidatingResourceStore', () => {
  it('applies the schema defaults to what the API server returned', async () => {
    const { store } = fakeStore([{ metadata: meta('ok'), spec: { flops: 1e21, preset: 'chinchilla-2022' } } as ComputeBudget]);
    const validating = new ValidatingResourceStore(store, computeBudgetSpecSchema, policy, log);
    expect((await validating.get({ namespace: 'ns', name: 'ok' }))?.spec).toEqual({
      flops: 1e21,
      preset: 'chinchilla-2022',
      train: false,
      seed: 0,
    });
  });

  it('hides a spec that breaks a cross-field rule from the reconcilers and reports Degraded once per generation', async () => {
    const bad = {
      metadata: meta('both'),
      spec: { flops: 1e21, acceleratorHours: { hours: 10, accelerator: 'h100-sxm' }, preset: 'chinchilla-2022' },
    } as ComputeBudget;
    const { store, statuses } = fakeStore([bad]);
    const validating = new ValidatingResourceStore(store, computeBudgetSpecSchema, policy, log, () => new Date('2026-01-01T00:00:00Z'));
    expect(await validating.get({ namespace: 'ns', name: 'both' })).toBeUndefined();
    expect(await validating.get({ namespace: 'ns', name: 'both' })).toBeUndefined();
    expect(await validating.list()).toEqual([]);
    expect(statuses).toHaveLength(1);
    const status = statuses[0]!.status as {
      phase: string;
      observedGeneration: number;
      conditions: { type: string; status: string; reason: string; message: string }[];
    };
    expect(status.phase).toBe('Degraded');
    expect(status.observedGeneration).toBe(2);
    expect(status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'Degraded',
          status: 'True',
          reason: 'InvalidBudget',
          message: expect.stringContaining('give exactly one of spec.flops or spec.acceleratorHours'),
        }),
        expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidBudget' }),
      ]),
    );
  });

  it('passes an invalid object that is being deleted through, so its finalizer runs', async () => {
    const deleting = {
      metadata: meta('gone', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['scaleplan.dev/runs'] }),
      spec: {},
    } as ComputeBudget;
    const { store, statuses } = fakeStore([deleting]);
    const validating = new ValidatingResourceStore(store, computeBudgetSpecSchema, policy, log);
    expect(await validating.get({ namespace: 'ns', name: 'gone' })).toBe(deleting);
    expect(statuses).toEqual([]);
  });
});
