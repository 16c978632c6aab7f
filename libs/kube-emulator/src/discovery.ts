import type { ResourceRegistry } from './resource-registry.js';
import { groupVersion, type ResourceType } from './types.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS = ['get', 'patch', 'update'];

function aggregatedResource(t: ResourceType): Record<string, unknown> {
  const subresources: Record<string, unknown>[] = [];
  const self = { group: t.group, version: t.version, kind: t.kind };
  if (t.statusSubresource) subresources.push({ subresource: 'status', responseKind: self, verbs: SUB_VERBS });
  if (t.scale)
    subresources.push({ subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: SUB_VERBS });
  if (t.logSubresource) subresources.push({ subresource: 'log', responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] });
  return {
    resource: t.plural,
    responseKind: self,
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: VERBS,
    ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
    ...(t.categories.length ? { categories: t.categories } : {}),
    ...(subresources.length ? { subresources } : {}),
  };
}

/** `APIGroupDiscoveryList` (aggregated discovery) for `/api` (core only) or `/apis` (every other group). */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean, apiVersion: 'v2' | 'v2beta1'): Record<string, unknown> {
  const items = [...registry.groups()]
    .filter(([group]) => (group === '') === core)
    .map(([group, versions]) => ({
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((version) => ({
        version,
        resources: registry
          .all()
          .filter((t) => t.group === group && t.version === version)
          .map(aggregatedResource),
        freshness: 'Current',
      })),
    }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${apiVersion}`, metadata: {}, items };
}

/** Legacy `/api`: `APIVersions`. */
export function legacyCoreVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(group: string, versions: string[]): Record<string, unknown> {
  const gv = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: gv, preferredVersion: gv[0] };
}

/** Legacy `/apis`: `APIGroupList`. */
export function legacyGroupList(registry: ResourceRegistry): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...registry.groups()].filter(([g]) => g !== '').map(([g, v]) => apiGroup(g, v)),
  };
}

/** Legacy `/apis/<group>`: `APIGroup`, or undefined when the group is not served. */
export function legacyGroup(registry: ResourceRegistry, group: string): Record<string, unknown> | undefined {
  const versions = registry.groups().get(group);
  return versions ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) } : undefined;
}

/** Legacy `/api/v1` or `/apis/<g>/<v>`: `APIResourceList`, or undefined when nothing is served there. */
export function legacyResourceList(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources = types.flatMap((t) => {
    const main = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: VERBS,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
    };
    const subs: Record<string, unknown>[] = [];
    if (t.statusSubresource)
      subs.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: SUB_VERBS });
    if (t.scale)
      subs.push({
        name: `${t.plural}/scale`,
        singularName: '',
        namespaced: t.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: SUB_VERBS,
      });
    if (t.logSubresource) subs.push({ name: `${t.plural}/log`, singularName: '', namespaced: t.namespaced, kind: 'Pod', verbs: ['get'] });
    return [main, ...subs];
  });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources };
}
