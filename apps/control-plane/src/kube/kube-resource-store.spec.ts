/* eslint-disable @typescript-eslint/no-explicit-any -- test doubles and parsed YAML are loosely typed on purpose */
import { ApiException } from '@kubernetes/client-node';
import { type ComputeBudget, COMPUTE_BUDGET_GVR, type Condition, ResourceKind } from '@scaleplan/contracts';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { ControlPlaneError } from '../control-plane.errors.js';
import { KubeResourceStore } from './kube-resource-store.js';

type Obj = ComputeBudget & { metadata: ComputeBudget['metadata'] & { resourceVersion: string } };
const notFound = () =>
  new ApiException(404, 'Not Found', { kind: 'Status', reason: 'NotFound', message: 'computebudgets.scaleplan.dev "x" not found' }, {});

/** Records every call and keeps objects in a map, like a tiny API server. */
class FakeCustomObjects {
  objects = new Map<string, Obj>();
  calls: { method: string; args: any; contentType?: unknown }[] = [];
  rv = 1;
  conflictsLeft = 0;
  private key(a: { namespace: string; name: string }) {
    return `${a.namespace}/${a.name}`;
  }
  private must(a: any) {
    const o = this.objects.get(this.key(a));
    if (!o) throw notFound();
    return o;
  }
  private bump(o: Obj) {
    o.metadata.resourceVersion = String(++this.rv);
    return structuredClone(o);
  }
  async getNamespacedCustomObject(a: any) {
    this.calls.push({ method: 'get', args: a });
    return structuredClone(this.must(a));
  }
  async listNamespacedCustomObject(a: any) {
    return { items: [...this.objects.values()].filter((o) => o.metadata.namespace === a.namespace) };
  }
  async listClusterCustomObject() {
    return { items: [...this.objects.values()] };
  }
  async createNamespacedCustomObject(a: any) {
    this.calls.push({ method: 'create', args: a });
    if (this.objects.has(this.key({ namespace: a.namespace, name: a.body.metadata.name })))
      throw new ApiException(409, 'Conflict', { reason: 'AlreadyExists', message: 'already exists' }, {});
    const o = { ...a.body, metadata: { ...a.body.metadata, uid: 'u1', generation: 1, resourceVersion: '1' } } as Obj;
    this.objects.set(this.key(o.metadata as any), o);
    return this.bump(o);
  }
  async patchNamespacedCustomObject(a: any, options: any) {
    this.calls.push({ method: 'patch', args: a, contentType: options });
    const o = this.must(a);
    if (Array.isArray(a.body)) {
      o.spec = a.body[0].value;
      return this.bump(o);
    }
    if (this.conflictsLeft > 0) {
      this.conflictsLeft -= 1;
      o.metadata.resourceVersion = String(++this.rv);
      throw new ApiException(409, 'Conflict', { reason: 'Conflict' }, {});
    }
    if (a.body.metadata.resourceVersion !== o.metadata.resourceVersion) throw new ApiException(409, 'Conflict', { reason: 'Conflict' }, {});
    o.metadata.finalizers = a.body.metadata.finalizers;
    const out = this.bump(o);
    if (o.metadata.deletionTimestamp && o.metadata.finalizers?.length === 0) this.objects.delete(this.key(a));
    return out;
  }
  async patchNamespacedCustomObjectStatus(a: any) {
    this.calls.push({ method: 'patchStatus', args: a });
    const o = this.must(a);
    const merge = (t: any, p: any): any => {
      if (typeof p !== 'object' || p === null || Array.isArray(p)) return p;
      const out = { ...(typeof t === 'object' && t && !Array.isArray(t) ? t : {}) };
      for (const [k, v] of Object.entries(p)) {
        if (v === null) delete out[k];
        else out[k] = merge(out[k], v);
      }
      return out;
    };
    o.status = merge(o.status ?? {}, a.body.status);
    return this.bump(o);
  }
  async deleteNamespacedCustomObject(a: any) {
    this.calls.push({ method: 'delete', args: a });
    const o = this.must(a);
    if (o.metadata.finalizers?.length) o.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    else this.objects.delete(this.key(a));
    return {};
  }
}

const condition = (type: string, status: 'True' | 'False', reason: string, message = `${reason} happened`): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
const budget: ComputeBudget = {
  apiVersion: 'scaleplan.dev/v1alpha1',
  kind: 'ComputeBudget',
  metadata: { name: 'b1', namespace: 'ns' },
  spec: { flops: 1e21, preset: 'chinchilla-2022', train: false, seed: 0 },
};

describe('KubeResourceStore', () => {
  let api: FakeCustomObjects;
  let events: { type: string; reason: string; message: string }[];
  let store: KubeResourceStore<ComputeBudget>;
  beforeEach(() => {
    api = new FakeCustomObjects();
    events = [];
    const recorder = {
      record: async (_s: unknown, type: string, reason: string, message: string) => {
        events.push({ type, reason, message });
      },
    };
    store = new KubeResourceStore<ComputeBudget>(
      api as never,
      recorder,
      { kind: ResourceKind.ComputeBudget, ...COMPUTE_BUDGET_GVR, namespace: '' },
      pino({ level: 'silent' }),
    );
  });

  it('creates through the API with spec only and maps 409 to AlreadyExists', async () => {
    const created = await store.create({ ...budget, status: { phase: 'Resolved' } });
    expect(created.metadata.uid).toBe('u1');
    expect(api.calls[0]!.args.body).toEqual({
      apiVersion: 'scaleplan.dev/v1alpha1',
      kind: 'ComputeBudget',
      metadata: { name: 'b1', namespace: 'ns' },
      spec: budget.spec,
    });
    await expect(store.create(budget)).rejects.toMatchObject({ code: 'AlreadyExists' });
  });

  it('returns undefined for a missing object and NotFound for writes to it', async () => {
    expect(await store.get({ namespace: 'ns', name: 'nope' })).toBeUndefined();
    await expect(store.patchStatus({ namespace: 'ns', name: 'nope' }, { phase: 'Resolved' })).rejects.toBeInstanceOf(ControlPlaneError);
    await expect(store.requestDelete({ namespace: 'ns', name: 'nope' })).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('replaces the spec with a JSON patch', async () => {
    await store.create(budget);
    await store.updateSpec({ namespace: 'ns', name: 'b1' }, { ...budget.spec, flops: 2e21 });
    const call = api.calls.find((c) => c.method === 'patch')!;
    expect(call.args.body).toEqual([{ op: 'replace', path: '/spec', value: { ...budget.spec, flops: 2e21 } }]);
  });

  it('writes status through the status subresource as a minimal merge patch, and skips no-op writes', async () => {
    await store.create(budget);
    const ref = { namespace: 'ns', name: 'b1' };
    await store.patchStatus(ref, { phase: 'Pending', observedGeneration: 1, lawName: 'x' });
    await store.patchStatus(ref, { phase: 'Resolved', observedGeneration: 1 });
    const patches = api.calls.filter((c) => c.method === 'patchStatus').map((c) => c.args.body);
    expect(patches).toEqual([
      { status: { phase: 'Pending', observedGeneration: 1, lawName: 'x' } },
      { status: { phase: 'Resolved', lawName: null } },
    ]);
    await store.patchStatus(ref, { phase: 'Resolved', observedGeneration: 1 });
    expect(api.calls.filter((c) => c.method === 'patchStatus')).toHaveLength(2);
    expect(api.calls.filter((c) => c.method === 'patch')).toHaveLength(0); // never the main resource
  });

  it('records an Event per condition transition, Warning for Degraded', async () => {
    await store.create(budget);
    const ref = { namespace: 'ns', name: 'b1' };
    await store.patchStatus(ref, {
      conditions: [condition('Ready', 'False', 'AwaitingFit'), condition('Degraded', 'False', 'Reconciled')],
    });
    await store.patchStatus(ref, {
      conditions: [
        condition('Ready', 'False', 'AwaitingFit'),
        condition('Degraded', 'True', 'UnknownScalingLaw', 'ScalingLaw ns/x does not exist'),
      ],
    });
    await store.patchStatus(ref, {
      conditions: [condition('Ready', 'True', 'AllocationResolved', 'N_opt 70B'), condition('Degraded', 'False', 'Reconciled')],
    });
    expect(events).toEqual([
      { type: 'Normal', reason: 'AwaitingFit', message: 'Ready=False: AwaitingFit happened' },
      { type: 'Warning', reason: 'UnknownScalingLaw', message: 'ScalingLaw ns/x does not exist' },
      { type: 'Normal', reason: 'AllocationResolved', message: 'N_opt 70B' },
      { type: 'Normal', reason: 'Reconciled', message: 'Degraded=False: Reconciled happened' },
    ]);
  });

  it('adds and removes finalizers guarded by resourceVersion, retrying on conflict', async () => {
    await store.create(budget);
    const ref = { namespace: 'ns', name: 'b1' };
    api.conflictsLeft = 2;
    const withFinalizer = await store.addFinalizer(ref, 'scaleplan.dev/runs');
    expect(withFinalizer.metadata.finalizers).toEqual(['scaleplan.dev/runs']);
    await store.addFinalizer(ref, 'scaleplan.dev/runs'); // idempotent: no write
    expect(api.calls.filter((c) => c.method === 'patch')).toHaveLength(3);

    const deleting = await store.requestDelete(ref);
    expect(deleting?.metadata.deletionTimestamp).toBeDefined();
    expect(await store.removeFinalizer(ref, 'scaleplan.dev/runs')).toBeUndefined();
    expect(await store.get(ref)).toBeUndefined();
    expect(await store.removeFinalizer(ref, 'scaleplan.dev/runs')).toBeUndefined(); // gone: idempotent
  });

  it('refuses objects outside the watched namespace', async () => {
    const scoped = new KubeResourceStore<ComputeBudget>(
      api as never,
      { record: async () => {} },
      { kind: ResourceKind.ComputeBudget, ...COMPUTE_BUDGET_GVR, namespace: 'team-a' },
      pino({ level: 'silent' }),
    );
    await expect(scoped.create(budget)).rejects.toMatchObject({ code: 'Invalid', message: expect.stringContaining('SCALEPLAN_NAMESPACE') });
  });

  it('maps an unreachable API server to Unavailable', async () => {
    const broken = {
      getNamespacedCustomObject: async () => {
        throw new TypeError('fetch failed');
      },
    };
    const s = new KubeResourceStore<ComputeBudget>(
      broken as never,
      { record: async () => {} },
      { kind: ResourceKind.ComputeBudget, ...COMPUTE_BUDGET_GVR, namespace: '' },
      pino({ level: 'silent' }),
    );
    await expect(s.get({ namespace: 'ns', name: 'b1' })).rejects.toMatchObject({ code: 'Unavailable' });
  });
});
