import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

/** Context, cluster and user name in the written kubeconfig. */
export const KUBECONFIG_CONTEXT = 'kube-emulator';

/**
 * A kubeconfig for a plain-HTTP emulator. `insecure-skip-tls-verify: true` is what makes @kubernetes/client-node 1.x
 * accept an `http://` server (it refuses otherwise); kubectl ignores it for http.
 */
export function kubeconfigYaml(serverUrl: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: KUBECONFIG_CONTEXT, cluster: { server: serverUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: KUBECONFIG_CONTEXT, user: {} }],
    contexts: [{ name: KUBECONFIG_CONTEXT, context: { cluster: KUBECONFIG_CONTEXT, user: KUBECONFIG_CONTEXT, namespace } }],
    'current-context': KUBECONFIG_CONTEXT,
    preferences: {},
  });
}

/** Writes the kubeconfig (mode 0600, parent directories created). */
export function writeKubeconfig(path: string, serverUrl: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, kubeconfigYaml(serverUrl), { mode: 0o600 });
}
