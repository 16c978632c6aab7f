import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ADMIN_USER, attributesOf, authorize, type TokenAuthenticator, type UserInfo } from './access-review.js';
import { aggregatedDiscovery, legacyCoreVersions, legacyGroup, legacyGroupList, legacyResourceList } from './discovery.js';
import { KubeApiError } from './errors.js';
import type { DeleteOptions, FieldValidation, KubeApi, PatchType, WriteContext } from './kube-api.js';
import { groupVersionDocument, openApiRoot } from './openapi.js';
import { decodeProtobufObject } from './protobuf.js';
import type { StoredEvent } from './object-store.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { renderTable, type IncludeObject } from './table.js';
import { groupResource, groupVersion, type KubeObject, type ResourceType, type WatchEventType } from './types.js';

/** The Kubernetes version the emulator reports (kubectl's gcloud dispatcher picks kubectl.1.32 from it). */
export const EMULATED_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: 'kube-emulator',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T00:00:00Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

/** Where pod logs come from (the kubelet simulator), for `GET …/pods/<name>/log`. */
export type PodLogSource = (namespace: string, name: string, container: string | undefined) => string | undefined;

/** Watch behaviour knobs. */
export interface WatchSettings {
  /** How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK. */
  readonly bookmarkIntervalMs: number;
  /** Watch length when the client sends no `timeoutSeconds` (the real server picks 30–60 min). */
  readonly defaultTimeoutSeconds: number;
}

interface OpenWatch {
  readonly response: ServerResponse;
  close(): void;
}

const MEDIA_PATCH: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+json': 'apply',
};

const MAX_BODY_BYTES = 8 * 1024 * 1024;

function send(res: ServerResponse, code: number, body: unknown, contentType = 'application/json', warnings: readonly string[] = []): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | string[] | number> = {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  };
  if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new KubeApiError('BadRequest', `request body larger than ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(body: Buffer, contentType: string): unknown {
  if (contentType.includes('protobuf')) return decodeProtobufObject(body);
  if (contentType.includes('cbor'))
    throw new KubeApiError('UnsupportedMediaType', `the kube-emulator accepts JSON or YAML bodies, not ${contentType}`);
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    if (/yaml/.test(contentType)) return parseYaml(text) as unknown;
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new KubeApiError(
      'BadRequest',
      `the request body could not be decoded: ${error instanceof Error ? error.message : String(error)}`,
      undefined,
      { cause: error },
    );
  }
}

function includeObjectOf(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  if (v === 'None' || v === 'Object' || v === 'Metadata') return v;
  if (v) throw new KubeApiError('BadRequest', `includeObject must be one of None, Metadata, Object; got "${v}"`);
  return 'Metadata';
}

function writeContext(query: URLSearchParams, req: IncomingMessage): WriteContext & { warnings: string[] } {
  const dryRun = query.get('dryRun');
  if (dryRun && dryRun !== 'All') throw new KubeApiError('BadRequest', `dryRun must be "All" when given; got "${dryRun}"`);
  const fv = query.get('fieldValidation') ?? 'Warn';
  if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore')
    throw new KubeApiError('BadRequest', `fieldValidation must be one of Strict, Warn, Ignore; got "${fv}"`);
  const agent = (req.headers['user-agent'] ?? 'unknown').split('/')[0]!;
  const force = query.get('force');
  return {
    dryRun: dryRun === 'All',
    // Like the real server: the user agent's program name, except for apply, which must name its manager.
    fieldManager: query.get('fieldManager') ?? (/apply-patch/.test(String(req.headers['content-type'] ?? '')) ? undefined : agent),
    fieldValidation: fv as FieldValidation,
    force: force === 'true' || force === '1',
    warnings: [],
  };
}

const REVIEW_KINDS = new Set([
  'authentication.k8s.io/TokenReview',
  'authorization.k8s.io/SubjectAccessReview',
  'authorization.k8s.io/SelfSubjectAccessReview',
  'authorization.k8s.io/LocalSubjectAccessReview',
]);

/** Routes Kubernetes API HTTP requests onto a `KubeApi`, including discovery, OpenAPI, Tables and watches. */
export class KubeHttpHandler {
  private readonly watches = new Set<OpenWatch>();
  /** Filled in once the server listens (used in `APIVersions.serverAddressByClientCIDRs`). */
  serverAddress = '127.0.0.1:0';

  constructor(
    private readonly api: KubeApi,
    private readonly settings: WatchSettings,
    private readonly podLogs?: PodLogSource,
    /** Answers TokenReviews and identifies the requester of a SelfSubjectAccessReview. */
    private readonly authenticator?: TokenAuthenticator,
  ) {}

  /**
   * TokenReview and the SubjectAccessReview kinds: answered from the authenticator and the stored RBAC objects,
   * never stored. The emulator authorizes nothing itself: these only answer what a real API server would decide.
   */
  private async review(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    type: ResourceType,
    namespace: string | undefined,
  ): Promise<void> {
    if (method !== 'POST') throw new KubeApiError('MethodNotAllowed', `${type.plural}.${type.group} only supports create`);
    const contentType = String(req.headers['content-type'] ?? 'application/json')
      .split(';')[0]!
      .trim();
    const body = (parseBody(await readBody(req), contentType) ?? {}) as Record<string, unknown>;
    const spec = (body.spec !== null && typeof body.spec === 'object' && !Array.isArray(body.spec) ? body.spec : {}) as Record<
      string,
      unknown
    >;
    let status: Record<string, unknown>;
    if (type.kind === 'TokenReview') {
      const result = typeof spec.token === 'string' ? this.authenticator?.authenticate(spec.token) : undefined;
      const wanted = Array.isArray(spec.audiences) ? (spec.audiences as string[]) : [];
      const audiences = result ? (wanted.length ? wanted.filter((a) => result.audiences.includes(a)) : [...result.audiences]) : [];
      status =
        result && (wanted.length === 0 || audiences.length > 0)
          ? { authenticated: true, user: result.user, audiences }
          : {
              authenticated: false,
              error: result ? '[invalid bearer token, token audiences is invalid for the target audiences]' : '[invalid bearer token]',
            };
    } else {
      const attributes = attributesOf(
        type.kind === 'LocalSubjectAccessReview'
          ? { ...spec, resourceAttributes: { ...(spec.resourceAttributes as object), namespace } }
          : spec,
      );
      if (!attributes)
        throw new KubeApiError(
          'Invalid',
          `${type.kind}.${type.group} "" is invalid: spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified`,
        );
      let user: UserInfo;
      if (type.kind === 'SelfSubjectAccessReview') {
        const token = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
        user = token
          ? (this.authenticator?.authenticate(token)?.user ?? { username: 'system:anonymous', groups: ['system:unauthenticated'] })
          : ADMIN_USER;
        // `kubectl --as/--as-group`: the admin may impersonate anyone (kubectl sends no bearer token over plain http).
        const impersonated = req.headers['impersonate-user'];
        if (user === ADMIN_USER && typeof impersonated === 'string') {
          const groups = req.headersDistinct['impersonate-group'] ?? [];
          user = { username: impersonated, groups: [...groups, 'system:authenticated'] };
        }
      } else {
        user = {
          username: String(spec.user ?? ''),
          groups: Array.isArray(spec.groups) ? (spec.groups as string[]) : [],
          ...(spec.uid ? { uid: String(spec.uid) } : {}),
        };
      }
      status = authorize(this.api, user, attributes);
    }
    send(res, 201, { apiVersion: `${type.group}/${type.version}`, kind: type.kind, metadata: { creationTimestamp: null }, spec, status });
  }

  /** Ends every open watch stream (clients see a clean end of stream and re-watch). */
  dropWatches(): number {
    const open = [...this.watches];
    for (const w of open) w.close();
    return open.length;
  }

  /** The Node `http` request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const apiError =
        error instanceof KubeApiError
          ? error
          : new KubeApiError(
              'InternalError',
              `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`,
              undefined,
              { cause: error },
            );
      send(res, apiError.httpStatus, apiError.toStatus());
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const query = url.searchParams;
    const accept = String(req.headers.accept ?? '');
    const method = req.method ?? 'GET';
    const registry = this.api.registry;

    if (path === '/version') return send(res, 200, EMULATED_VERSION);
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (path === '/api' || path === '/apis') {
      const core = path === '/api';
      const v2 = /g=apidiscovery\.k8s\.io;\s*v=v2;\s*as=APIGroupDiscoveryList/.test(accept);
      const v2beta1 = /g=apidiscovery\.k8s\.io;\s*v=v2beta1;\s*as=APIGroupDiscoveryList/.test(accept);
      if (v2 || v2beta1) {
        const version = v2 ? 'v2' : 'v2beta1';
        return send(
          res,
          200,
          aggregatedDiscovery(registry, core, version),
          `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`,
        );
      }
      return send(res, 200, core ? legacyCoreVersions(this.serverAddress) : legacyGroupList(registry));
    }
    if (path === '/openapi/v3') return send(res, 200, openApiRoot(registry));
    if (path.startsWith('/openapi/v3/')) {
      const parts = path.slice('/openapi/v3/'.length).split('/');
      const doc =
        parts[0] === 'api'
          ? groupVersionDocument(registry, '', parts[1] ?? '')
          : groupVersionDocument(registry, parts[1] ?? '', parts[2] ?? '');
      if (!doc) throw new KubeApiError('NotFound', `no OpenAPI v3 document for ${parts.join('/')}`);
      return send(res, 200, doc);
    }

    let group = '';
    let version: string | undefined;
    let rest: string[];
    const core = /^\/api\/([^/]+)(\/.*)?$/.exec(path);
    const named = /^\/apis\/([^/]+)(?:\/([^/]+))?(\/.*)?$/.exec(path);
    if (core) {
      version = core[1];
      rest = (core[2] ?? '').split('/').filter(Boolean);
    } else if (named) {
      group = named[1]!;
      version = named[2];
      rest = (named[3] ?? '').split('/').filter(Boolean);
      if (!version) {
        const g = legacyGroup(registry, group);
        if (!g) throw new KubeApiError('NotFound', 'the server could not find the requested resource');
        return send(res, 200, g);
      }
    } else throw new KubeApiError('NotFound', 'the server could not find the requested resource');

    if (rest.length === 0) {
      const list = legacyResourceList(registry, group, version!);
      if (!list) throw new KubeApiError('NotFound', 'the server could not find the requested resource');
      return send(res, 200, list);
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [plural, name, subresource = ''] = rest;
    const type = registry.find(group, version!, plural!);
    if (!type || rest.length > 3) throw new KubeApiError('NotFound', 'the server could not find the requested resource');
    if (
      subresource &&
      !(
        (subresource === 'status' && type.statusSubresource) ||
        (subresource === 'scale' && type.scale) ||
        (subresource === 'log' && type.logSubresource)
      )
    ) {
      throw new KubeApiError('NotFound', 'the server could not find the requested resource');
    }
    if (!type.namespaced) namespace = undefined;
    if (REVIEW_KINDS.has(`${type.group}/${type.kind}`)) return this.review(req, res, method, type, namespace);
    const wantsTable = /as=Table/.test(accept);

    if (!name) return this.collection(req, res, method, type, namespace, query, wantsTable);

    if (type.namespaced && !namespace) throw new KubeApiError('NotFound', 'the server could not find the requested resource');
    const text = method === 'GET' ? Buffer.alloc(0) : await readBody(req);
    const contentType = String(req.headers['content-type'] ?? 'application/json')
      .split(';')[0]!
      .trim();
    const body = parseBody(text, contentType);
    switch (method) {
      case 'GET': {
        if (subresource === 'log') {
          this.api.get(type, namespace, name);
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(this.podLogs?.(namespace!, name, query.get('container') ?? undefined) ?? '');
          return;
        }
        const object = this.api.get(type, namespace, name);
        if (subresource === 'scale') return send(res, 200, this.api.scaleOf(type, object));
        if (wantsTable)
          return send(res, 200, renderTable(type, [object], { resourceVersion: object.metadata.resourceVersion! }, includeObjectOf(query)));
        return send(res, 200, object);
      }
      case 'PUT': {
        const ctx = writeContext(query, req);
        return send(res, 200, this.api.replace(type, namespace, name, subresource, body, ctx), 'application/json', ctx.warnings);
      }
      case 'PATCH': {
        const patchType = MEDIA_PATCH[contentType];
        if (!patchType) {
          throw new KubeApiError(
            'UnsupportedMediaType',
            `the body of the request was in an unknown format - accepted media types include: ${Object.keys(MEDIA_PATCH).join(', ')}`,
          );
        }
        const ctx = writeContext(query, req);
        const existed = this.api.find(type, namespace, name) !== undefined;
        const result = this.api.patch(type, namespace, name, subresource, patchType, body, ctx);
        return send(res, existed ? 200 : 201, result, 'application/json', ctx.warnings);
      }
      case 'DELETE': {
        const ctx = writeContext(query, req);
        const options = (body ?? {}) as DeleteOptions & { dryRun?: string[] };
        const policy = (query.get('propagationPolicy') ?? options.propagationPolicy) as
          DeleteOptions['propagationPolicy'] | string | undefined;
        if (policy && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
          throw new KubeApiError('BadRequest', `propagationPolicy must be Background, Foreground or Orphan; got "${policy}"`);
        }
        const dryRun = ctx.dryRun || (Array.isArray(options.dryRun) && options.dryRun.includes('All'));
        const result = this.api.delete(
          type,
          namespace,
          name,
          {
            ...(policy ? { propagationPolicy: policy as DeleteOptions['propagationPolicy'] } : {}),
            ...(options.preconditions ? { preconditions: options.preconditions } : {}),
          },
          { ...ctx, dryRun },
        );
        return send(res, 200, result, 'application/json', ctx.warnings);
      }
      default:
        throw new KubeApiError('MethodNotAllowed', `${method} is not supported on ${groupResource(type)}/${name}`);
    }
  }

  private async collection(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    type: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
    wantsTable: boolean,
  ): Promise<void> {
    const selectors = {
      ...(query.get('labelSelector') ? { labelSelector: query.get('labelSelector')! } : {}),
      ...(query.get('fieldSelector') ? { fieldSelector: query.get('fieldSelector')! } : {}),
    };
    if (method === 'GET') {
      if (query.get('watch') === 'true' || query.get('watch') === '1') return this.watch(res, type, namespace, query, wantsTable);
      const limit = Number(query.get('limit') ?? 0);
      const page = this.api.list(type, namespace, {
        ...selectors,
        ...(limit > 0 ? { limit } : {}),
        ...(query.get('continue') ? { continueToken: query.get('continue')! } : {}),
      });
      const meta = {
        resourceVersion: page.resourceVersion,
        ...(page.continueToken ? { continue: page.continueToken, remainingItemCount: page.remainingItemCount } : {}),
      };
      if (wantsTable) return send(res, 200, renderTable(type, page.items, meta, includeObjectOf(query)));
      return send(res, 200, { kind: type.listKind, apiVersion: groupVersion(type), metadata: meta, items: page.items });
    }
    const text = await readBody(req);
    const contentType = String(req.headers['content-type'] ?? 'application/json')
      .split(';')[0]!
      .trim();
    const body = parseBody(text, contentType);
    const ctx = writeContext(query, req);
    if (method === 'POST') {
      if (type.namespaced && !namespace)
        throw new KubeApiError(
          'MethodNotAllowed',
          `POST to the cluster-wide path of namespaced ${groupResource(type)} is not allowed; use /namespaces/<ns>/${type.plural}`,
        );
      return send(res, 201, this.api.create(type, namespace, body, ctx), 'application/json', ctx.warnings);
    }
    if (method === 'DELETE') {
      const options = (body ?? {}) as DeleteOptions;
      const policy = (query.get('propagationPolicy') ?? options.propagationPolicy) as DeleteOptions['propagationPolicy'];
      const items = this.api.deleteCollection(type, namespace, selectors, policy ? { propagationPolicy: policy } : {}, ctx);
      return send(res, 200, { kind: type.listKind, apiVersion: groupVersion(type), metadata: {}, items }, 'application/json', ctx.warnings);
    }
    throw new KubeApiError('MethodNotAllowed', `${method} is not supported on the collection ${groupResource(type)}`);
  }

  private watch(res: ServerResponse, type: ResourceType, namespace: string | undefined, query: URLSearchParams, wantsTable: boolean): void {
    const labels = parseLabelSelector(query.get('labelSelector') ?? undefined);
    const fields = parseFieldSelector(query.get('fieldSelector') ?? undefined);
    const includeObject = includeObjectOf(query);
    const gr = groupResource(type);
    const store = this.api.store;
    const matches = (o: KubeObject | undefined): boolean =>
      o !== undefined &&
      (namespace === undefined || o.metadata.namespace === namespace) &&
      matchesLabels(labels, o.metadata.labels) &&
      matchesFields(fields, o);
    const rvParam = query.get('resourceVersion') ?? '';
    let replay: StoredEvent[] | 'gone' = [];
    if (rvParam !== '' && rvParam !== '0' && query.get('sendInitialEvents') !== 'true') {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv) || rv < 0)
        throw new KubeApiError('BadRequest', `resourceVersion must be a non-negative integer; got "${rvParam}"`);
      replay = store.eventsSince(rv);
    }

    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders(); // client-node's informer waits for headers before it counts as connected
    const write = (type_: WatchEventType, object: unknown) => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type: type_, object })}\n`);
    };
    const emit = (eventType: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject) => {
      const typed = { ...object, apiVersion: groupVersion(type), kind: type.kind };
      write(
        eventType,
        wantsTable ? renderTable(type, [typed], { resourceVersion: typed.metadata.resourceVersion! }, includeObject) : typed,
      );
    };
    const onEvent = (e: StoredEvent) => {
      if (e.groupResource !== gr) return;
      const now = matches(e.object);
      if (e.type !== 'MODIFIED') {
        if (now) emit(e.type, e.object);
        return;
      }
      const before = matches(e.previous);
      if (before && now) emit('MODIFIED', e.object);
      else if (!before && now) emit('ADDED', e.object);
      else if (before && !now) emit('DELETED', e.object);
    };

    let unsubscribe = (): void => undefined;
    let bookmarkTimer: ReturnType<typeof setInterval> | undefined;
    let closed = false;
    const entry: OpenWatch = {
      response: res,
      close: () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearTimeout(timeout);
        if (bookmarkTimer) clearInterval(bookmarkTimer);
        this.watches.delete(entry);
        if (!res.writableEnded) res.end();
      },
    };
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? this.settings.defaultTimeoutSeconds);
    const timeout = setTimeout(entry.close, Math.max(0, timeoutSeconds) * 1000);
    this.watches.add(entry);
    res.on('close', entry.close);

    if (replay === 'gone') {
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${rvParam} (${store.currentResourceVersion()})`,
        reason: 'Expired',
        code: 410,
      });
      entry.close();
      return;
    }
    const initialEvents = query.get('sendInitialEvents') === 'true';
    if (rvParam === '' || rvParam === '0' || initialEvents) {
      for (const o of store.list(gr, namespace)) if (matches(o)) emit('ADDED', o);
    } else for (const e of replay) onEvent(e);
    if (initialEvents) {
      // The watch-list protocol: a bookmark marks the end of the initial state.
      write('BOOKMARK', {
        kind: type.kind,
        apiVersion: groupVersion(type),
        metadata: { resourceVersion: String(store.currentResourceVersion()), annotations: { 'k8s.io/initial-events-end': 'true' } },
      });
    }
    unsubscribe = store.subscribe(onEvent);
    if (query.get('allowWatchBookmarks') === 'true') {
      const bookmark = () =>
        write('BOOKMARK', {
          kind: type.kind,
          apiVersion: groupVersion(type),
          metadata: { resourceVersion: String(store.currentResourceVersion()) },
        });
      bookmarkTimer = setInterval(bookmark, this.settings.bookmarkIntervalMs);
      bookmarkTimer.unref();
    }
  }
}
