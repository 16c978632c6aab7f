import { describe, expect, it } from 'vitest';
import { KubeApiError } from './errors.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from './patches.js';

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects, deletes on null, replaces arrays', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] })).toEqual({ a: { c: 2, d: 3 }, l: [3] });
  });
  it('does not mutate its input', () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  it('applies add/replace/remove', () => {
    expect(
      applyJsonPatch({ spec: { a: 1, l: [1] } }, [
        { op: 'replace', path: '/spec/a', value: 2 },
        { op: 'add', path: '/spec/l/-', value: 2 },
        { op: 'remove', path: '/spec/l/0' },
      ]),
    ).toEqual({ spec: { a: 2, l: [2] } });
  });
  it('fails a test op or a bad path with 422 Invalid', () => {
    const fail = (ops: unknown) => {
      try {
        applyJsonPatch({ a: 1 }, ops);
      } catch (error) {
        return error as KubeApiError;
      }
      throw new Error('expected a failure');
    };
    expect(fail([{ op: 'test', path: '/a', value: 2 }]).code).toBe('Invalid');
    expect(fail([{ op: 'replace', path: '/missing/x', value: 2 }]).code).toBe('Invalid');
    expect(fail({ op: 'add' }).code).toBe('BadRequest');
  });
});

describe('applyStrategicMergePatch (approximation for built-ins)', () => {
  const deployment = {
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }] },
            { name: 'b', image: 'b:1' },
          ],
        },
      },
    },
  };
  it('merges containers and env by name', () => {
    const out = applyStrategicMergePatch(deployment, {
      spec: {
        template: {
          spec: { $setElementOrder: [{ name: 'a' }], containers: [{ name: 'a', image: 'a:2', env: [{ name: 'Y', value: '2' }] }] },
        },
      },
    }) as typeof deployment;
    expect(out.spec.template.spec.containers).toEqual([
      {
        name: 'a',
        image: 'a:2',
        env: [
          { name: 'X', value: '1' },
          { name: 'Y', value: '2' },
        ],
      },
      { name: 'b', image: 'b:1' },
    ]);
  });
  it('honours $patch: delete and replace', () => {
    const deleted = applyStrategicMergePatch(deployment, {
      spec: { template: { spec: { containers: [{ name: 'b', $patch: 'delete' }] } } },
    }) as typeof deployment;
    expect(deleted.spec.template.spec.containers.map((c) => c.name)).toEqual(['a']);
    const replaced = applyStrategicMergePatch(deployment, {
      spec: { template: { spec: { containers: [{ name: 'c', image: 'c' }, { $patch: 'replace' }] } } },
    }) as typeof deployment;
    expect(replaced.spec.template.spec.containers).toEqual([{ name: 'c', image: 'c' }]);
  });
});
