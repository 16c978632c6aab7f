import { describe, expect, it } from 'vitest';
import { BUILTIN_RESOURCES } from './builtin-resources.js';
import { resourceTypesFromCrd } from './resource-registry.js';
import { humanDuration, renderTable } from './table.js';
import type { KubeObject } from './types.js';

const crd: KubeObject = {
  metadata: { name: 'widgets.example.scaleplan.dev' },
  spec: {
    group: 'example.scaleplan.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object' } },
        additionalPrinterColumns: [
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Label', type: 'string', priority: 1, jsonPath: '.spec.label' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
    ],
  },
};

describe('humanDuration', () => {
  it.each([
    [5_000, '5s'],
    [119_000, '119s'],
    [125_000, '2m5s'],
    [600_000, '10m'],
    [4 * 3600_000 + 60_000, '4h1m'],
    [30 * 3600_000, '30h'],
    [3 * 86400_000 + 3600_000, '3d1h'],
    [40 * 86400_000, '40d'],
  ])('%d ms → %s', (ms, text) => expect(humanDuration(ms)).toBe(text));
});

describe('renderTable', () => {
  const now = Date.parse('2026-01-01T00:01:00Z');
  const widget: KubeObject = {
    metadata: { name: 'alpha', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { replicas: 3 },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };

  it('renders CRD printer columns after Name, with dates as ages and priority kept for -o wide', () => {
    const [type] = resourceTypesFromCrd(crd);
    const table = renderTable(type!, [widget], { resourceVersion: '7' }, 'Metadata', now);
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Replicas', 0],
      ['Ready', 0],
      ['Label', 1],
      ['Age', 0],
    ]);
    expect(table.rows[0]!.cells).toEqual(['alpha', 3, 'True', null, '60s']);
    expect(table.rows[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: widget.metadata });
    expect(table.metadata.resourceVersion).toBe('7');
  });

  it('gives a CRD without printer columns Name and Age, and honours includeObject', () => {
    const bare = structuredClone(crd);
    delete (bare.spec as { versions: Record<string, unknown>[] }).versions[0]!.additionalPrinterColumns;
    const [type] = resourceTypesFromCrd(bare);
    expect(renderTable(type!, [widget], {}, 'None', now).rows[0]).toEqual({ cells: ['alpha', '60s'] });
    expect(renderTable(type!, [widget], {}, 'Object', now).rows[0]!.object).toBe(widget);
  });

  it('renders default columns for built-in kinds', () => {
    const pod = BUILTIN_RESOURCES.find((t) => t.kind === 'Pod')!;
    const running: KubeObject = {
      metadata: { name: 'p', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { containers: [{ name: 'c' }] },
      status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 2 }] },
    };
    expect(renderTable(pod, [running], {}, 'None', now).rows[0]!.cells.slice(0, 5)).toEqual(['p', '1/1', 'Running', '2', '60s']);
    const job = BUILTIN_RESOURCES.find((t) => t.kind === 'Job')!;
    const done: KubeObject = {
      metadata: { name: 'j', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { completions: 1 },
      status: {
        succeeded: 1,
        startTime: '2026-01-01T00:00:00Z',
        completionTime: '2026-01-01T00:00:09Z',
        conditions: [{ type: 'Complete', status: 'True' }],
      },
    };
    expect(renderTable(job, [done], {}, 'None', now).rows[0]!.cells).toEqual(['j', 'Complete', '1/1', '9s', '60s']);
  });
});
