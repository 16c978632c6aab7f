import type { KubeApi } from './kube-api.js';
import { DEFAULT_TOKEN_AUDIENCE, type ServiceAccountTokens } from './service-account-tokens.js';
import type { KubeObject } from './types.js';

/** Who a request is (authentication.k8s.io/v1 UserInfo). */
export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** A user the emulator knows by a static bearer token (like the API server's --token-auth-file). */
export interface EmulatorUser {
  readonly token: string;
  readonly username: string;
  readonly groups?: readonly string[];
}

/** The identity of requests without a token: the emulator's own kubeconfig is cluster-admin, as `kind`'s is. */
export const ADMIN_USER: UserInfo = { username: 'kube-emulator:admin', groups: ['system:masters', 'system:authenticated'] };

/** What is being asked (SubjectAccessReview spec.resourceAttributes / nonResourceAttributes). */
export type AccessAttributes =
  | {
      readonly verb: string;
      readonly group: string;
      readonly resource: string;
      readonly subresource?: string;
      readonly namespace?: string;
      readonly name?: string;
    }
  | { readonly verb: string; readonly path: string };

/** Authenticates bearer tokens: the emulator's service-account tokens and the configured static users. */
export class TokenAuthenticator {
  constructor(
    private readonly tokens: ServiceAccountTokens,
    private readonly users: readonly EmulatorUser[] = [],
  ) {}

  /** The user of a token and the audiences it is valid for; undefined when it is not valid. */
  authenticate(token: string): { user: UserInfo; audiences: readonly string[] } | undefined {
    const account = this.tokens.verify(token);
    if (account) {
      return {
        user: {
          username: `system:serviceaccount:${account.namespace}:${account.serviceAccount}`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${account.namespace}`, 'system:authenticated'],
          extra: account.podName
            ? { 'authentication.kubernetes.io/pod-name': [account.podName], 'authentication.kubernetes.io/pod-uid': [account.podUid ?? ''] }
            : {},
        },
        audiences: account.audiences,
      };
    }
    const user = this.users.find((u) => u.token === token);
    return user
      ? { user: { username: user.username, groups: [...(user.groups ?? []), 'system:authenticated'] }, audiences: [DEFAULT_TOKEN_AUDIENCE] }
      : undefined;
  }
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

const matches = (values: readonly string[] | undefined, value: string): boolean => (values ?? []).some((v) => v === '*' || v === value);

/** A nonResourceURL rule: exact, or a prefix ending in `*`. */
const pathMatches = (patterns: readonly string[] | undefined, path: string): boolean =>
  (patterns ?? []).some((p) => p === '*' || p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1))));

function ruleAllows(rule: PolicyRule, attributes: AccessAttributes): boolean {
  if (!matches(rule.verbs, attributes.verb)) return false;
  if ('path' in attributes) return pathMatches(rule.nonResourceURLs, attributes.path);
  const resource = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  if (!matches(rule.apiGroups, attributes.group)) return false;
  const subresourceWildcard = attributes.subresource !== undefined && (rule.resources ?? []).includes(`*/${attributes.subresource}`);
  if (!matches(rule.resources, resource) && !subresourceWildcard) return false;
  return !rule.resourceNames?.length || (attributes.name !== undefined && rule.resourceNames.includes(attributes.name));
}

function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.username;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount':
      return user.username === `system:serviceaccount:${subject.namespace ?? bindingNamespace}:${subject.name}`;
    default:
      return false;
  }
}

/**
 * The RBAC authorizer over the stored Roles, ClusterRoles and their bindings: a request is allowed when a
 * ClusterRoleBinding, or a RoleBinding in the request's namespace, binds the user (by name, group or service
 * account) to a role with a rule that covers it. `system:masters` may do anything. Aggregated ClusterRoles
 * are not expanded.
 */
export function authorize(api: KubeApi, user: UserInfo, attributes: AccessAttributes): { allowed: boolean; reason: string } {
  if (user.groups.includes('system:masters')) return { allowed: true, reason: 'allowed: system:masters' };
  const t = (plural: string) => api.registry.find('rbac.authorization.k8s.io', 'v1', plural)!;
  const roleRules = (kind: string, name: string, namespace: string | undefined): PolicyRule[] => {
    const role = kind === 'ClusterRole' ? api.find(t('clusterroles'), undefined, name) : api.find(t('roles'), namespace, name);
    return ((role as (KubeObject & { rules?: PolicyRule[] }) | undefined)?.rules ?? []) as PolicyRule[];
  };
  const bindings: { binding: KubeObject; namespace?: string }[] = [
    ...api.list(t('clusterrolebindings'), undefined).items.map((binding) => ({ binding })),
    ...('path' in attributes || !attributes.namespace
      ? []
      : api.list(t('rolebindings'), attributes.namespace).items.map((binding) => ({ binding, namespace: attributes.namespace }))),
  ];
  for (const { binding, namespace } of bindings) {
    const subjects = ((binding as KubeObject & { subjects?: Subject[] }).subjects ?? []) as Subject[];
    if (!subjects.some((s) => subjectMatches(s, user, namespace))) continue;
    const ref = (binding as KubeObject & { roleRef?: { kind: string; name: string } }).roleRef;
    if (!ref) continue;
    // A ClusterRole bound by a RoleBinding grants its rules in the binding's namespace only (namespace is set then).
    if (roleRules(ref.kind, ref.name, namespace).some((rule) => ruleAllows(rule, attributes))) {
      const where = namespace
        ? `RoleBinding "${binding.metadata.name}" of ${ref.kind} "${ref.name}" in ${namespace}`
        : `ClusterRoleBinding "${binding.metadata.name}" of ClusterRole "${ref.name}"`;
      return { allowed: true, reason: `RBAC: allowed by ${where}` };
    }
  }
  return { allowed: false, reason: '' };
}

/** The attributes of a SubjectAccessReview spec. */
export function attributesOf(spec: Record<string, unknown>): AccessAttributes | undefined {
  const resource = spec.resourceAttributes as Record<string, string> | undefined;
  if (resource) {
    return {
      verb: resource.verb ?? '',
      group: resource.group ?? '',
      resource: resource.resource ?? '',
      ...(resource.subresource ? { subresource: resource.subresource } : {}),
      ...(resource.namespace ? { namespace: resource.namespace } : {}),
      ...(resource.name ? { name: resource.name } : {}),
    };
  }
  const nonResource = spec.nonResourceAttributes as Record<string, string> | undefined;
  return nonResource ? { verb: nonResource.verb ?? '', path: nonResource.path ?? '' } : undefined;
}
