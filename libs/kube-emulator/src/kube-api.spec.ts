import { describe, expect, it } from 'vitest';
import { aggregatedDiscovery, legacyResourceList } from './discovery.js';
import { KubeApiError } from './errors.js';
import { KubeApi } from './kube-api.js';
import { ObjectStore } from './object-store.js';
import { groupVersionDocument, openApiRoot } from './openapi.js';
import { ResourceRegistry } from './resource-registry.js';
import type { KubeObject, ResourceType } from './types.js';

const crd = (schemaExtra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.scaleplan.dev' },
  spec: {
    group: 'example.scaleplan.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  replicas: { type: 'integer', minimum: 0, description: 'How many.' },
                  colour: { type: 'string' },
                  ...schemaExtra,
                },
              },
              status: { type: 'object', properties: { phase: { type: 'string' }, replicas: { type: 'integer' } } },
            },
          },
        },
      },
    ],
  },
});

function setup() {
  const registry = new ResourceRegistry();
  const store = new ObjectStore(50);
  const api = new KubeApi(registry, store);
  const t = (group: string, version: string, plural: string) => registry.find(group, version, plural)!;
  api.create(t('', 'v1', 'namespaces'), undefined, { metadata: { name: 'default' } });
  const crdType = t('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  const created = api.create(crdType, undefined, crd());
  const widgets = t('example.scaleplan.dev', 'v1', 'widgets');
  return { registry, store, api, t, crdType, created, widgets };
}

const widget = (name: string, spec: Record<string, unknown> = { replicas: 1, colour: 'red' }, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'example.scaleplan.dev/v1',
  kind: 'Widget',
  metadata: { name, ...extra },
  spec,
});

const errorOf = (fn: () => unknown): KubeApiError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof KubeApiError) return error;
    throw error;
  }
  throw new Error('expected a KubeApiError');
};

describe('CRD registration', () => {
  it('serves the CRD with names, Established/NamesAccepted and storedVersions', () => {
    const { created, widgets } = setup();
    expect(widgets).toMatchObject({
      kind: 'Widget',
      singular: 'widget',
      shortNames: ['wd'],
      categories: ['all'],
      namespaced: true,
      statusSubresource: true,
    });
    const status = created.status as {
      conditions: { type: string; status: string }[];
      storedVersions: string[];
      acceptedNames: { kind: string; listKind: string };
    };
    expect(status.conditions.map((c) => [c.type, c.status])).toEqual([
      ['NamesAccepted', 'True'],
      ['Established', 'True'],
    ]);
    expect(status.storedVersions).toEqual(['v1']);
    expect(status.acceptedNames).toMatchObject({ kind: 'Widget', listKind: 'WidgetList' });
  });

  it('reports NamesAccepted=False and does not serve a CRD whose kind is already taken in its group', () => {
    const { api, crdType, registry } = setup();
    const clash = crd();
    clash.metadata.name = 'gizmos.example.scaleplan.dev';
    (clash.spec as { names: Record<string, unknown> }).names = { plural: 'gizmos', kind: 'Widget' };
    const created = api.create(crdType, undefined, clash);
    const conditions = (created.status as { conditions: { type: string; status: string; message: string }[] }).conditions;
    expect(conditions.find((c) => c.type === 'NamesAccepted')).toMatchObject({ status: 'False', message: '"Widget" is already in use' });
    expect(conditions.find((c) => c.type === 'Established')?.status).toBe('False');
    expect(registry.find('example.scaleplan.dev', 'v1', 'gizmos')).toBeUndefined();
  });

  it('rejects an invalid CRD with the apiextensions 422 shape', () => {
    const { api, crdType } = setup();
    const bad = crd();
    bad.metadata.name = 'wrong.example.scaleplan.dev';
    const e = errorOf(() => api.create(crdType, undefined, bad));
    expect(e.code).toBe('Invalid');
    expect(e.details?.causes?.[0]).toMatchObject({ field: 'metadata.name' });
  });

  it('applies schema edits to later writes, and changes the OpenAPI hash', () => {
    const { api, registry, crdType, widgets } = setup();
    const hashBefore = JSON.stringify(openApiRoot(registry));
    const e = errorOf(() => api.create(widgets, 'default', widget('w', { replicas: 1, size: 'xl' }), { fieldValidation: 'Strict' }));
    expect(e.code).toBe('BadRequest');
    api.replace(crdType, undefined, 'widgets.example.scaleplan.dev', '', crd({ size: { type: 'string' } }));
    const updatedType = registry.find('example.scaleplan.dev', 'v1', 'widgets')!;
    expect(api.create(updatedType, 'default', widget('w', { replicas: 1, size: 'xl' }), { fieldValidation: 'Strict' }).spec).toEqual({
      replicas: 1,
      size: 'xl',
    });
    expect(JSON.stringify(openApiRoot(registry))).not.toBe(hashBefore);
  });

  it('deletes its custom resources when the CRD is deleted, and stops serving it', () => {
    const { api, store, crdType, widgets, registry } = setup();
    api.create(widgets, 'default', widget('w'));
    api.delete(crdType, undefined, 'widgets.example.scaleplan.dev');
    expect(store.list('widgets.example.scaleplan.dev')).toEqual([]);
    expect(registry.find('example.scaleplan.dev', 'v1', 'widgets')).toBeUndefined();
  });

  it('shows up in aggregated and legacy discovery and in the OpenAPI document with the fieldValidation parameter', () => {
    const { registry } = setup();
    const groups = aggregatedDiscovery(registry, false, 'v2').items as {
      metadata: { name: string };
      versions: { resources: { resource: string; subresources?: { subresource: string }[] }[] }[];
    }[];
    const g = groups.find((x) => x.metadata.name === 'example.scaleplan.dev')!;
    expect(g.versions[0]!.resources[0]).toMatchObject({
      resource: 'widgets',
      subresources: [{ subresource: 'status' }, { subresource: 'scale' }],
    });
    expect((legacyResourceList(registry, 'example.scaleplan.dev', 'v1')!.resources as { name: string }[]).map((r) => r.name)).toEqual([
      'widgets',
      'widgets/status',
      'widgets/scale',
    ]);
    const doc = groupVersionDocument(registry, 'example.scaleplan.dev', 'v1') as {
      paths: Record<string, { patch?: { parameters: { name: string }[]; requestBody: { content: object } } }>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const patch = doc.paths['/apis/example.scaleplan.dev/v1/namespaces/{namespace}/widgets/{name}']!.patch!;
    expect(patch.parameters.map((p) => p.name)).toContain('fieldValidation');
    expect(Object.keys(patch.requestBody.content)).not.toContain('application/strategic-merge-patch+json');
    expect(doc.components.schemas['dev.scaleplan.example.v1.Widget']!.properties.spec).toMatchObject({
      properties: { replicas: { description: 'How many.' } },
    });
  });
});

describe('metadata rules', () => {
  it('assigns uid, generation 1, creationTimestamp, a monotonic resourceVersion, and generateName names', () => {
    const { api, widgets } = setup();
    const a = api.create(widgets, 'default', widget('a'));
    const b = api.create(widgets, 'default', { ...widget(''), metadata: { generateName: 'w-' } });
    expect(a.metadata).toMatchObject({ generation: 1, namespace: 'default' });
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).toMatch(/Z$/);
    expect(b.metadata.name).toMatch(/^w-[a-z0-9]{5}$/);
    expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
  });

  it('bumps generation on spec changes only, and no-op writes keep the resourceVersion', () => {
    const { api, widgets } = setup();
    const a = api.create(widgets, 'default', widget('a'));
    const labelled = api.patch(widgets, 'default', 'a', '', 'merge', { metadata: { labels: { x: 'y' } } });
    expect(labelled.metadata.generation).toBe(1);
    const status = api.patch(widgets, 'default', 'a', 'status', 'merge', { status: { phase: 'Ready' } });
    expect(status.metadata.generation).toBe(1);
    const spec = api.patch(widgets, 'default', 'a', '', 'merge', { spec: { replicas: 2 } });
    expect(spec.metadata.generation).toBe(2);
    const again = api.patch(widgets, 'default', 'a', '', 'merge', { spec: { replicas: 2 } });
    expect(again.metadata.resourceVersion).toBe(spec.metadata.resourceVersion);
    expect(a.metadata.uid).toBe(again.metadata.uid);
  });

  it('rejects a stale resourceVersion on PUT with 409 Conflict', () => {
    const { api, widgets } = setup();
    const a = api.create(widgets, 'default', widget('a'));
    api.patch(widgets, 'default', 'a', '', 'merge', { spec: { replicas: 5 } });
    const e = errorOf(() => api.replace(widgets, 'default', 'a', '', { ...a, spec: { replicas: 9 } }));
    expect(e.code).toBe('Conflict');
    expect(e.httpStatus).toBe(409);
  });

  it('rejects a duplicate name, a missing namespace and a missing name', () => {
    const { api, widgets } = setup();
    api.create(widgets, 'default', widget('a'));
    expect(errorOf(() => api.create(widgets, 'default', widget('a'))).code).toBe('AlreadyExists');
    expect(errorOf(() => api.create(widgets, 'nowhere', widget('a'))).message).toBe('namespaces "nowhere" not found');
    expect(errorOf(() => api.create(widgets, 'default', { spec: {} })).message).toMatch(/name or generateName is required/);
  });

  it('never persists dryRun writes', () => {
    const { api, widgets, store } = setup();
    api.create(widgets, 'default', widget('a'), { dryRun: true });
    expect(store.list('widgets.example.scaleplan.dev')).toEqual([]);
    api.create(widgets, 'default', widget('b'));
    api.patch(widgets, 'default', 'b', '', 'merge', { spec: { replicas: 7 } }, { dryRun: true });
    api.delete(widgets, 'default', 'b', {}, { dryRun: true });
    expect(api.get(widgets, 'default', 'b').spec).toEqual({ replicas: 1, colour: 'red' });
  });
});

describe('subresources', () => {
  it('keeps status, scale and spec writes apart', () => {
    const { api, widgets } = setup();
    api.create(widgets, 'default', { ...widget('a'), status: { phase: 'Ignored' } });
    expect(api.get(widgets, 'default', 'a').status).toBeUndefined();
    api.patch(widgets, 'default', 'a', 'status', 'merge', { status: { phase: 'Ready', replicas: 1 }, spec: { replicas: 99 } });
    expect(api.get(widgets, 'default', 'a')).toMatchObject({ spec: { replicas: 1 }, status: { phase: 'Ready', replicas: 1 } });
    api.patch(widgets, 'default', 'a', '', 'merge', { spec: { colour: 'blue' }, status: { phase: 'Hacked' } });
    expect(api.get(widgets, 'default', 'a')).toMatchObject({ spec: { colour: 'blue' }, status: { phase: 'Ready' } });
    const scale = api.patch(widgets, 'default', 'a', 'scale', 'merge', { spec: { replicas: 4 } });
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 4 }, status: { replicas: 1 } });
    expect(api.get(widgets, 'default', 'a')).toMatchObject({
      spec: { replicas: 4, colour: 'blue' },
      status: { phase: 'Ready', replicas: 1 },
    });
  });

  it('answers 415 to strategic-merge-patch on a custom resource but merges it on a built-in', () => {
    const { api, widgets, t } = setup();
    api.create(widgets, 'default', widget('a'));
    expect(errorOf(() => api.patch(widgets, 'default', 'a', '', 'strategic', { spec: { replicas: 2 } })).httpStatus).toBe(415);
    const deployments = t('apps', 'v1', 'deployments');
    api.create(deployments, 'default', {
      metadata: { name: 'd' },
      spec: {
        selector: { matchLabels: { a: 'b' } },
        template: {
          spec: {
            containers: [
              { name: 'c', image: 'i:1' },
              { name: 'e', image: 'e' },
            ],
          },
        },
      },
    });
    const patched = api.patch(deployments, 'default', 'd', '', 'strategic', {
      spec: { template: { spec: { containers: [{ name: 'c', image: 'i:2' }] } } },
    });
    expect(patched.spec).toMatchObject({
      replicas: 1,
      template: {
        spec: {
          containers: [
            { name: 'c', image: 'i:2' },
            { name: 'e', image: 'e' },
          ],
        },
      },
    });
  });

  it('creates on server-side apply when missing and requires a fieldManager', () => {
    const { api, widgets } = setup();
    expect(errorOf(() => api.patch(widgets, 'default', 'a', '', 'apply', widget('a'))).message).toMatch(/requires fieldManager/);
    const created = api.patch(widgets, 'default', 'a', '', 'apply', widget('a'), { fieldManager: 'me' });
    expect(created.metadata.managedFields?.[0]).toMatchObject({ manager: 'me', operation: 'Apply' });
  });
});

describe('validation', () => {
  it('returns the real 422 shape with causes', () => {
    const { api, widgets } = setup();
    const e = errorOf(() => api.create(widgets, 'default', widget('a', { replicas: -1 })));
    expect(e.toStatus()).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message:
        'Widget.example.scaleplan.dev "a" is invalid: spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0',
      details: {
        name: 'a',
        group: 'example.scaleplan.dev',
        kind: 'Widget',
        causes: [{ reason: 'FieldValueInvalid', field: 'spec.replicas' }],
      },
    });
  });

  it('rejects unknown fields under Strict, warns under Warn, prunes silently under Ignore', () => {
    const { api, widgets } = setup();
    expect(
      errorOf(() => api.create(widgets, 'default', widget('a', { replicas: 1, flavour: 'x' }), { fieldValidation: 'Strict' })).message,
    ).toBe('Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.flavour"');
    const warnings: string[] = [];
    const warned = api.create(widgets, 'default', widget('b', { replicas: 1, flavour: 'x' }), { fieldValidation: 'Warn', warnings });
    expect(warnings).toEqual(['unknown field "spec.flavour"']);
    expect(warned.spec).toEqual({ replicas: 1 });
    expect(api.create(widgets, 'default', widget('c', { replicas: 1, flavour: 'x' }), { fieldValidation: 'Ignore' }).spec).toEqual({
      replicas: 1,
    });
  });
});

describe('deletion', () => {
  it('with finalizers sets deletionTimestamp, then deletes when the last finalizer goes', () => {
    const { api, widgets } = setup();
    api.create(widgets, 'default', widget('a', undefined, { finalizers: ['example/hold'] }));
    const terminating = api.delete(widgets, 'default', 'a');
    expect(terminating.metadata.deletionTimestamp).toBeDefined();
    expect(api.get(widgets, 'default', 'a').metadata.deletionTimestamp).toBe(terminating.metadata.deletionTimestamp);
    api.patch(widgets, 'default', 'a', '', 'merge', { metadata: { finalizers: null } });
    expect(api.find(widgets, 'default', 'a')).toBeUndefined();
  });

  it('garbage-collects dependents in the background, orphans on request, and warns for Jobs by default', async () => {
    const { api, widgets, t } = setup();
    const configmaps = t('', 'v1', 'configmaps');
    const owner = api.create(widgets, 'default', widget('owner'));
    const ref = { apiVersion: 'example.scaleplan.dev/v1', kind: 'Widget', name: 'owner', uid: owner.metadata.uid! };
    api.create(configmaps, 'default', { metadata: { name: 'child', ownerReferences: [ref] } });
    api.delete(widgets, 'default', 'owner', { propagationPolicy: 'Background' });
    await new Promise((r) => setImmediate(r));
    expect(api.find(configmaps, 'default', 'child')).toBeUndefined();

    const owner2 = api.create(widgets, 'default', widget('owner2'));
    api.create(configmaps, 'default', {
      metadata: { name: 'kept', ownerReferences: [{ ...ref, name: 'owner2', uid: owner2.metadata.uid! }] },
    });
    api.delete(widgets, 'default', 'owner2', { propagationPolicy: 'Orphan' });
    await new Promise((r) => setImmediate(r));
    expect(api.get(configmaps, 'default', 'kept').metadata.ownerReferences).toBeUndefined();

    const jobs = t('batch', 'v1', 'jobs');
    api.create(jobs, 'default', { metadata: { name: 'j' }, spec: { template: { spec: { containers: [] } } } });
    const warnings: string[] = [];
    api.delete(jobs, 'default', 'j', {}, { warnings });
    expect(warnings[0]).toMatch(/child pods are preserved by default/);
  });
});

describe('cascades', () => {
  it('deletes dependents first under Foreground, and a namespace takes its contents with it', () => {
    const { api, widgets, t } = setup();
    const configmaps = t('', 'v1', 'configmaps');
    const owner = api.create(widgets, 'default', widget('owner'));
    api.create(configmaps, 'default', {
      metadata: {
        name: 'child',
        ownerReferences: [{ apiVersion: 'example.scaleplan.dev/v1', kind: 'Widget', name: 'owner', uid: owner.metadata.uid! }],
      },
    });
    api.delete(widgets, 'default', 'owner', { propagationPolicy: 'Foreground' });
    expect(api.find(configmaps, 'default', 'child')).toBeUndefined();

    const namespaces = t('', 'v1', 'namespaces');
    api.create(namespaces, undefined, { metadata: { name: 'team' } });
    api.create(widgets, 'team', widget('w'));
    api.delete(namespaces, undefined, 'team');
    expect(api.list(widgets, 'team').items).toEqual([]);
    expect(errorOf(() => api.create(widgets, 'team', widget('w2'))).code).toBe('NotFound');
  });

  it('keeps a dependent that still has a live owner, dropping only the dangling reference', async () => {
    const { api, widgets, t } = setup();
    const configmaps = t('', 'v1', 'configmaps');
    const a = api.create(widgets, 'default', widget('a'));
    const b = api.create(widgets, 'default', widget('b'));
    const ref = (o: typeof a) => ({ apiVersion: 'example.scaleplan.dev/v1', kind: 'Widget', name: o.metadata.name!, uid: o.metadata.uid! });
    api.create(configmaps, 'default', { metadata: { name: 'shared', ownerReferences: [ref(a), ref(b)] } });
    api.delete(widgets, 'default', 'a');
    await new Promise((r) => setImmediate(r));
    expect(api.get(configmaps, 'default', 'shared').metadata.ownerReferences).toEqual([ref(b)]);
  });
});

describe('lists and the event log', () => {
  it('filters by label and field selectors and paginates with continue tokens', () => {
    const { api, widgets } = setup();
    for (const [name, tier] of [
      ['a', 'x'],
      ['b', 'y'],
      ['c', 'x'],
    ] as const)
      api.create(widgets, 'default', widget(name, undefined, { labels: { tier } }));
    expect(api.list(widgets, 'default', { labelSelector: 'tier=x' }).items.map((o) => o.metadata.name)).toEqual(['a', 'c']);
    expect(api.list(widgets, undefined, { fieldSelector: 'metadata.name=b' }).items.map((o) => o.metadata.name)).toEqual(['b']);
    const first = api.list(widgets, 'default', { limit: 2 });
    expect(first.items.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect(first.remainingItemCount).toBe(1);
    expect(api.list(widgets, 'default', { limit: 2, continueToken: first.continueToken! }).items.map((o) => o.metadata.name)).toEqual([
      'c',
    ]);
  });

  it('replays events after a resourceVersion and reports gone once compacted', () => {
    const { api, widgets, store } = setup();
    const a = api.create(widgets, 'default', widget('a'));
    api.patch(widgets, 'default', 'a', '', 'merge', { spec: { replicas: 3 } });
    api.delete(widgets, 'default', 'a');
    const events = store.eventsSince(Number(a.metadata.resourceVersion));
    expect(events !== 'gone' && events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    store.compact();
    expect(store.eventsSince(Number(a.metadata.resourceVersion))).toBe('gone');
    expect(store.eventsSince(store.currentResourceVersion())).toEqual([]);
  });

  it('drops old events beyond the retained log size', () => {
    const { api, widgets, store } = setup();
    const first = api.create(widgets, 'default', widget('a'));
    for (let i = 0; i < 60; i += 1) api.patch(widgets, 'default', 'a', '', 'merge', { spec: { replicas: i } });
    expect(store.eventsSince(Number(first.metadata.resourceVersion))).toBe('gone');
  });
});

describe('registry helpers', () => {
  it('orders versions by Kubernetes priority', async () => {
    const { compareVersions } = await import('./resource-registry.js');
    expect(['v1alpha1', 'v2', 'v1beta1', 'v1', 'foo'].sort(compareVersions)).toEqual(['v2', 'v1', 'v1beta1', 'v1alpha1', 'foo']);
  });
  it('has a type for every built-in the brief lists', () => {
    const names = new ResourceRegistry().all().map((r: ResourceType) => `${r.group}/${r.plural}`);
    for (const n of [
      '/namespaces',
      '/events',
      '/pods',
      '/serviceaccounts',
      '/configmaps',
      '/secrets',
      '/services',
      'batch/jobs',
      'apps/deployments',
      'rbac.authorization.k8s.io/roles',
      'rbac.authorization.k8s.io/clusterrolebindings',
    ]) {
      expect(names).toContain(n);
    }
  });
});
