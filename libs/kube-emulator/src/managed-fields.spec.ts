import { describe, expect, it } from 'vitest';
import { fromFieldsV1, leafPaths, serverSideApply, toFieldsV1, updateManagedFields } from './managed-fields.js';
import type { KubeObject } from './types.js';

const change = (manager: string, operation: 'Apply' | 'Update') => ({ manager, operation, subresource: '', apiVersion: 'x/v1', time: 't' });

describe('field ownership (approximate server-side apply)', () => {
  it('round-trips leaf paths through FieldsV1', () => {
    const paths = leafPaths({ apiVersion: 'x', metadata: { name: 'n', labels: { a: 'b' } }, spec: { r: 1, l: [1], o: { p: 'q' } } });
    const fields = toFieldsV1(paths);
    expect(fields).toEqual({ 'f:metadata': { 'f:labels': { 'f:a': {} } }, 'f:spec': { 'f:r': {}, 'f:l': {}, 'f:o': { 'f:p': {} } } });
    expect(fromFieldsV1(fields)).toEqual(paths);
  });

  it('moves ownership of changed fields from one manager to another', () => {
    const before = { metadata: {}, spec: { a: 1, b: 2 } };
    const applied = updateManagedFields([], change('kubectl', 'Apply'), {}, before, { spec: { a: 1, b: 2 } });
    const after = { metadata: {}, spec: { a: 5, b: 2 } };
    const updated = updateManagedFields(applied, change('kubectl-patch', 'Update'), before, after);
    expect(updated.map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['kubectl', { 'f:spec': { 'f:b': {} } }],
      ['kubectl-patch', { 'f:spec': { 'f:a': {} } }],
    ]);
  });

  const live = (): KubeObject => ({
    metadata: {
      name: 'w',
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Apply',
          apiVersion: 'x/v1',
          time: 't',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:a': {}, 'f:gone': {} } },
        },
        {
          manager: 'controller',
          operation: 'Update',
          apiVersion: 'x/v1',
          time: 't',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:b': {} } },
        },
      ],
    },
    spec: { a: 1, b: 2, gone: 3 },
  });

  it('removes fields the applier dropped and keeps others’ fields', () => {
    const out = serverSideApply(live(), { spec: { a: 10 } }, 'kubectl', false, '');
    expect(out.spec).toEqual({ a: 10, b: 2 });
  });

  it('conflicts when applying a different value to a field another manager owns, unless forced', () => {
    expect(() => serverSideApply(live(), { spec: { a: 1, b: 3 } }, 'kubectl', false, '')).toThrow(/conflict with "controller": \.spec\.b/);
    expect(serverSideApply(live(), { spec: { a: 1, b: 3 } }, 'kubectl', true, '').spec).toEqual({ a: 1, b: 3 });
    // Same value: co-ownership, no conflict.
    expect(serverSideApply(live(), { spec: { a: 1, b: 2 } }, 'kubectl', false, '').spec).toEqual({ a: 1, b: 2 });
  });
});
