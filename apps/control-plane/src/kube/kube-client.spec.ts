import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createKubeClients, loadKubeConfig, toControlPlaneError } from './kube-client.js';

const kubeconfig = (server: string) => `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "${server}" } }]
users: [{ name: u, user: {} }]
contexts: [{ name: x, context: { cluster: c, user: u, namespace: team-a } }]
current-context: x
`;

describe('loadKubeConfig', () => {
  const write = (server: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'kc-')), 'config');
    writeFileSync(file, kubeconfig(server));
    return file;
  };

  it('sets skipTLSVerify for plain-http servers only (client-node 1.x refuses http otherwise)', () => {
    expect(loadKubeConfig(write('http://127.0.0.1:6443')).getCurrentCluster()?.skipTLSVerify).toBe(true);
    expect(loadKubeConfig(write('https://k8s.example:6443')).getCurrentCluster()?.skipTLSVerify).toBeFalsy();
  });

  it("takes the worker Deployment's namespace from the current context", () => {
    expect(createKubeClients(loadKubeConfig(write('http://127.0.0.1:6443'))).defaultNamespace).toBe('team-a');
  });
});

describe('toControlPlaneError', () => {
  it.each([
    [404, { reason: 'NotFound', message: 'x not found' }, 'NotFound'],
    [409, { reason: 'AlreadyExists', message: 'exists' }, 'AlreadyExists'],
    [409, { reason: 'Conflict', message: 'modified' }, 'Conflict'],
    [
      422,
      { reason: 'Invalid', message: 'bad', details: { causes: [{ field: 'spec.flops', message: 'should be greater than 0' }] } },
      'Invalid',
    ],
    [403, { reason: 'Forbidden', message: 'no' }, 'Unauthorized'],
    [500, { message: 'boom' }, 'Unavailable'],
  ])('maps HTTP %i to its code and keeps the server message', (code, body, expected) => {
    const error = toControlPlaneError(new ApiException(code, 'x', body, {}), 'Could not write ComputeBudget ns/b');
    expect(error.code).toBe(expected);
    expect(error.message).toBe(`Could not write ComputeBudget ns/b: ${body.message}`);
    if (code === 422) expect(error.fields).toEqual([{ field: 'spec.flops', message: 'should be greater than 0' }]);
  });

  it('maps a network failure to Unavailable', () => {
    expect(toControlPlaneError(new TypeError('fetch failed'), 'Could not list').code).toBe('Unavailable');
  });
});
