import { describe, expect, it } from 'vitest';
import { accessOf, describeAccess, KubernetesAccessReviewer } from './kubernetes-access.js';

describe('accessOf', () => {
  it.each([
    ['GET', '/api/v1/computebudgets', { kind: 'resource', verb: 'list', resource: 'computebudgets' }],
    ['GET', '/api/v1/namespaces/team-a/scalinglaws', { kind: 'resource', verb: 'list', resource: 'scalinglaws', namespace: 'team-a' }],
    [
      'POST',
      '/api/v1/namespaces/team-a/computebudgets',
      { kind: 'resource', verb: 'create', resource: 'computebudgets', namespace: 'team-a' },
    ],
    [
      'GET',
      '/api/v1/namespaces/team-a/computebudgets/big',
      { kind: 'resource', verb: 'get', resource: 'computebudgets', namespace: 'team-a', name: 'big' },
    ],
    [
      'PUT',
      '/api/v1/namespaces/team-a/computebudgets/big',
      { kind: 'resource', verb: 'update', resource: 'computebudgets', namespace: 'team-a', name: 'big' },
    ],
    [
      'DELETE',
      '/api/v1/namespaces/team-a/scalinglaws/s/',
      { kind: 'resource', verb: 'delete', resource: 'scalinglaws', namespace: 'team-a', name: 's' },
    ],
    [
      'GET',
      '/api/v1/namespaces/team-a/scalinglaws/s/runs?limit=5',
      { kind: 'resource', verb: 'get', resource: 'scalinglaws', namespace: 'team-a', name: 's' },
    ],
    ['GET', '/metrics', { kind: 'nonResource', verb: 'get', path: '/metrics' }],
    ['POST', '/api/v1/allocations', { kind: 'nonResource', verb: 'post', path: '/api/v1/allocations' }],
    ['GET', '/', { kind: 'nonResource', verb: 'get', path: '/' }],
  ])('%s %s', (method, path, expected) => {
    expect(accessOf(method, path)).toEqual(expected);
  });

  it('says in words what was refused', () => {
    expect(describeAccess(accessOf('POST', '/api/v1/namespaces/a/computebudgets'))).toBe(
      'create computebudgets.scaleplan.dev in the namespace "a"',
    );
    expect(describeAccess(accessOf('GET', '/queues'))).toBe('get the URL /queues');
  });
});

describe('KubernetesAccessReviewer', () => {
  it('asks TokenReview and SubjectAccessReview once per token and question within the cache time', async () => {
    let now = 0;
    const calls = { authn: 0, authz: 0 };
    const reviewer = new KubernetesAccessReviewer(
      {
        createTokenReview: async ({ body }) => {
          calls.authn += 1;
          return body.spec.token === 'good'
            ? { spec: body.spec, status: { authenticated: true, user: { username: 'alice', groups: ['team-a'] } } }
            : { spec: body.spec, status: { authenticated: false } };
        },
      },
      {
        createSubjectAccessReview: async ({ body }) => {
          calls.authz += 1;
          return { spec: body.spec, status: { allowed: body.spec.resourceAttributes?.verb === 'get', reason: 'test' } };
        },
      },
      { cacheMs: 1000, now: () => now },
    );
    expect(await reviewer.authenticate('bad')).toBeUndefined();
    const alice = await reviewer.authenticate('good');
    expect(alice).toEqual({ username: 'alice', groups: ['team-a'] });
    await reviewer.authenticate('good');
    const get = accessOf('GET', '/api/v1/namespaces/a/computebudgets/x');
    expect(await reviewer.authorize(alice!, get)).toEqual({ allowed: true, reason: 'test' });
    expect((await reviewer.authorize(alice!, accessOf('DELETE', '/api/v1/namespaces/a/computebudgets/x'))).allowed).toBe(false);
    await reviewer.authorize(alice!, get);
    expect(calls).toEqual({ authn: 2, authz: 2 });
    now = 2000;
    await reviewer.authenticate('good');
    expect(calls.authn).toBe(3);
  });
});
