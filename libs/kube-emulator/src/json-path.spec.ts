import { describe, expect, it } from 'vitest';
import { evaluateJsonPath } from './json-path.js';

const object = {
  metadata: { name: 'a', labels: { 'app.kubernetes.io/name': 'x' } },
  spec: { replicas: 3, items: [{ n: 1 }, { n: 2 }] },
  status: {
    conditions: [
      { type: 'Ready', status: 'True' },
      { type: 'Degraded', status: 'False' },
    ],
  },
};

describe('evaluateJsonPath (CRD printer-column subset)', () => {
  it.each([
    ['.spec.replicas', [3]],
    ['{.spec.replicas}', [3]],
    ['.spec.items[1].n', [2]],
    ['.spec.items[-1].n', [2]],
    ['.spec.items[*].n', [1, 2]],
    ['.status.conditions[?(@.type=="Ready")].status', ['True']],
    [".status.conditions[?(@.type!='Ready')].type", ['Degraded']],
    ['.metadata.labels.app\\.kubernetes\\.io/name', ['x']],
    [".metadata.labels['app.kubernetes.io/name']", ['x']],
    ['.spec.missing', []],
  ])('%s', (path, expected) => {
    expect(evaluateJsonPath(object, path)).toEqual(expected);
  });
  it('rejects unsupported syntax', () => {
    expect(() => evaluateJsonPath(object, '.spec[?(@.a > 1)]')).toThrow(/invalid JSONPath/);
  });
});
