import { describe, expect, it } from 'vitest';
import { KubeApiError } from './errors.js';
import {
  formatLabelSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  requirementsFromLabelSelector,
} from './selectors.js';

const labels = { app: 'web', tier: 'front', 'app.kubernetes.io/name': 'scaleplan' };

describe('label selectors', () => {
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['app!=web', false],
    ['missing!=x', true],
    ['tier in (front, back)', true],
    ['tier in (back)', false],
    ['tier notin (back)', true],
    ['tier notin (front,back)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier in (front,back),!canary', true],
    ['app.kubernetes.io/name=scaleplan', true],
    ['', true],
  ])('%s → %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('rejects malformed selectors with a 400 naming the problem', () => {
    expect(() => parseLabelSelector('app=web,=x')).toThrow(KubeApiError);
    expect(() => parseLabelSelector('bad key!=x y')).toThrow(/unable to parse requirement/);
  });

  it('converts LabelSelector objects and formats them back', () => {
    const reqs = requirementsFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'x', operator: 'DoesNotExist' },
      ],
    });
    expect(formatLabelSelector(reqs)).toBe('app=web,tier in (a,b),!x');
    expect(() => requirementsFromLabelSelector({ matchExpressions: [{ key: 'x', operator: 'Near' }] })).toThrow(/accepted: In, NotIn/);
  });
});

describe('field selectors', () => {
  const event = { metadata: { name: 'e1', namespace: 'default' }, involvedObject: { kind: 'Widget', name: 'alpha', uid: 'u1' } };
  it('matches metadata and involvedObject paths, with = == and !=', () => {
    expect(matchesFields(parseFieldSelector('metadata.name=e1,metadata.namespace==default'), event)).toBe(true);
    expect(matchesFields(parseFieldSelector('involvedObject.name=alpha,involvedObject.kind=Widget,involvedObject.uid=u1'), event)).toBe(
      true,
    );
    expect(matchesFields(parseFieldSelector('involvedObject.kind!=Widget'), event)).toBe(false);
    expect(matchesFields(parseFieldSelector('metadata.name=other'), event)).toBe(false);
  });
  it('rejects a selector without an operator', () => {
    expect(() => parseFieldSelector('metadata.name')).toThrow(/expected field=value/);
  });
});
