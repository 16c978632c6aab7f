import { createHash } from 'node:crypto';
import type { AuthenticationV1Api, AuthorizationV1Api } from '@kubernetes/client-node';
import { API_GROUP } from '@scaleplan/contracts';

/** Who a caller is, as TokenReview says. */
export interface KubernetesUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** What a REST request asks to do, as SubjectAccessReview attributes. */
export type RequestAccess =
  | { readonly kind: 'resource'; readonly verb: string; readonly resource: string; readonly namespace?: string; readonly name?: string }
  | { readonly kind: 'nonResource'; readonly verb: string; readonly path: string };

const RESOURCES = new Set(['computebudgets', 'scalinglaws']);
const ITEM_VERBS: Record<string, string> = { GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/**
 * The RBAC question a REST request poses, the way the API server would ask it for the same call on the custom
 * resources: list/create on a collection, get/update/patch/delete on an object (reading a study's runs is reading
 * the study). Every other route — the dashboard, bull-board, allocations, the event stream, /metrics — is a
 * non-resource URL with the lower-case HTTP method as its verb, as kube-rbac-proxy asks.
 */
export function accessOf(method: string, path: string): RequestAccess {
  const upper = method.toUpperCase();
  const clean = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  const parts = clean.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts[1] === 'v1') {
    const rest = parts.slice(2);
    if (rest.length === 1 && RESOURCES.has(rest[0]!) && (upper === 'GET' || upper === 'HEAD'))
      return { kind: 'resource', verb: 'list', resource: rest[0]! };
    if (rest[0] === 'namespaces' && rest.length >= 3 && RESOURCES.has(rest[2]!)) {
      const [, namespace, resource, name] = rest as [string, string, string, string | undefined];
      if (name === undefined) return { kind: 'resource', verb: upper === 'POST' ? 'create' : 'list', resource, namespace };
      return { kind: 'resource', verb: rest.length > 4 ? 'get' : (ITEM_VERBS[upper] ?? upper.toLowerCase()), resource, namespace, name };
    }
  }
  return { kind: 'nonResource', verb: upper === 'HEAD' ? 'get' : upper.toLowerCase(), path: clean };
}

/** Plain-language form of a request's access, for 403 messages. */
export const describeAccess = (access: RequestAccess): string =>
  access.kind === 'resource'
    ? `${access.verb} ${access.resource}.${API_GROUP}${access.name ? ` "${access.name}"` : ''} ${access.namespace ? `in the namespace "${access.namespace}"` : 'at the cluster scope'}`
    : `${access.verb} the URL ${access.path}`;

interface Cached<T> {
  readonly value: T;
  readonly until: number;
}

/** Options of a `KubernetesAccessReviewer`. */
export interface AccessReviewOptions {
  /** How long an answer is reused (kube-rbac-proxy and the API server's webhook authorizer cache too). @default 10000 */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/**
 * Asks the API server who a bearer token belongs to (TokenReview) and whether that user may do what a request
 * asks (SubjectAccessReview), caching answers briefly so a page of requests costs one review of each kind.
 */
export class KubernetesAccessReviewer {
  private readonly users = new Map<string, Cached<KubernetesUser | undefined>>();
  private readonly decisions = new Map<string, Cached<{ allowed: boolean; reason: string }>>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly authn: Pick<AuthenticationV1Api, 'createTokenReview'>,
    private readonly authz: Pick<AuthorizationV1Api, 'createSubjectAccessReview'>,
    options: AccessReviewOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The user of a token; undefined when the API server does not accept it. Throws when it can't be asked. */
  async authenticate(token: string): Promise<KubernetesUser | undefined> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.fresh(this.users, key);
    if (cached) return cached.value;
    const review = await this.authn.createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const user =
      review.status?.authenticated && review.status.user?.username
        ? {
            username: review.status.user.username,
            groups: review.status.user.groups ?? [],
            ...(review.status.user.uid ? { uid: review.status.user.uid } : {}),
            ...(review.status.user.extra ? { extra: review.status.user.extra } : {}),
          }
        : undefined;
    this.remember(this.users, key, user);
    return user;
  }

  /** Whether the user may; the reason is the API server's. Throws when it can't be asked. */
  async authorize(user: KubernetesUser, access: RequestAccess): Promise<{ allowed: boolean; reason: string }> {
    const key = JSON.stringify([user.username, [...user.groups].sort(), access]);
    const cached = this.fresh(this.decisions, key);
    if (cached) return cached.value;
    const review = await this.authz.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          groups: [...user.groups],
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.extra ? { extra: Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]])) } : {}),
          ...(access.kind === 'resource'
            ? {
                resourceAttributes: {
                  group: API_GROUP,
                  resource: access.resource,
                  verb: access.verb,
                  ...(access.namespace ? { namespace: access.namespace } : {}),
                  ...(access.name ? { name: access.name } : {}),
                },
              }
            : { nonResourceAttributes: { path: access.path, verb: access.verb } }),
        },
      },
    });
    const decision = { allowed: review.status?.allowed === true && review.status.denied !== true, reason: review.status?.reason ?? '' };
    this.remember(this.decisions, key, decision);
    return decision;
  }

  private fresh<T>(cache: Map<string, Cached<T>>, key: string): Cached<T> | undefined {
    const entry = cache.get(key);
    if (entry && entry.until > this.now()) return entry;
    if (entry) cache.delete(key);
    return undefined;
  }

  private remember<T>(cache: Map<string, Cached<T>>, key: string, value: T): void {
    cache.set(key, { value, until: this.now() + this.cacheMs });
    if (cache.size > 10_000) cache.delete(cache.keys().next().value as string);
  }
}
