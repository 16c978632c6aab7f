import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeEmulator, type KubeEmulator } from './emulator.js';

let emulator: KubeEmulator;

const CM = '/api/v1/namespaces/default/configmaps';

async function json(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${emulator.url}${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

const post = (path: string, body: unknown, contentType = 'application/json', method = 'POST') =>
  json(path, { method, headers: { 'Content-Type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });

/** Opens a watch and collects events until `until` holds or the stream ends. */
async function watchEvents(
  path: string,
  until: (events: { type: string; object: Record<string, unknown> }[]) => boolean,
  accept = 'application/json',
  act?: () => Promise<unknown>,
) {
  const controller = new AbortController();
  const res = await fetch(`${emulator.url}${path}`, { headers: { Accept: accept }, signal: controller.signal });
  expect(res.status).toBe(200);
  const events: { type: string; object: Record<string, unknown> }[] = [];
  const reader = res.body!.getReader();
  let buffered = '';
  const acting = act?.();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += Buffer.from(value).toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines.filter(Boolean)) events.push(JSON.parse(line) as { type: string; object: Record<string, unknown> });
      if (until(events)) break;
    }
  } finally {
    controller.abort();
    await acting;
  }
  return events;
}

beforeAll(async () => {
  emulator = await startKubeEmulator({ bookmarkIntervalMs: 50 });
});
afterAll(async () => {
  await emulator.stop();
});

describe('HTTP surface', () => {
  it('reports v1.32 on /version', async () => {
    expect((await json('/version')).body).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.4' });
  });

  it('negotiates aggregated discovery v2, v2beta1, and legacy discovery by Accept', async () => {
    const v2 = await fetch(`${emulator.url}/apis`, {
      headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' },
    });
    expect(v2.headers.get('content-type')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const v2beta1 = await fetch(`${emulator.url}/api`, {
      headers: { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList' },
    });
    expect(((await v2beta1.json()) as { apiVersion: string }).apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    expect((await json('/apis')).body.kind).toBe('APIGroupList');
    expect((await json('/api')).body.kind).toBe('APIVersions');
    expect((await json('/apis/batch')).body).toMatchObject({ kind: 'APIGroup', preferredVersion: { version: 'v1' } });
    expect(((await json('/apis/apps/v1')).body.resources as { name: string }[]).map((r) => r.name).slice(0, 3)).toEqual([
      'deployments',
      'deployments/status',
      'deployments/scale',
    ]);
  });

  it('answers unknown paths and resources with a NotFound Status', async () => {
    const r = await json('/apis/nope.example/v1/things');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
  });

  it('rejects unknown PATCH content types with 415 and accepts YAML apply patches', async () => {
    await post(CM, { metadata: { name: 'cm1' }, data: { a: '1' } });
    expect((await post(`${CM}/cm1`, {}, 'text/plain', 'PATCH')).status).toBe(415);
    const applied = await post(
      `${CM}/cm2?fieldManager=yaml-test`,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm2\ndata:\n  b: "2"\n',
      'application/apply-patch+yaml',
      'PATCH',
    );
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({ data: { b: '2' } });
  });

  it('sends Warning headers for unknown fields under fieldValidation=Warn', async () => {
    await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      metadata: { name: 'gadgets.example.scaleplan.dev' },
      spec: {
        group: 'example.scaleplan.dev',
        scope: 'Cluster',
        names: { plural: 'gadgets', kind: 'Gadget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'integer' } } } } },
            },
          },
        ],
      },
    });
    const r = await post('/apis/example.scaleplan.dev/v1/gadgets?fieldValidation=Warn', { metadata: { name: 'g' }, spec: { a: 1, b: 2 } });
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBe('299 - "unknown field \\"spec.b\\""');
    expect(r.body.spec).toEqual({ a: 1 });
  });

  it('lists as a Table when asked', async () => {
    const r = await json(CM, { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' } });
    expect(r.body).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect((r.body.columnDefinitions as { name: string }[]).map((c) => c.name)).toEqual(['Name', 'Age']);
  });
});

describe('watch', () => {
  it('starts with synthetic ADDED events for resourceVersion=0, then streams changes as Tables when asked', async () => {
    const events = await watchEvents(
      `${CM}?watch=true&resourceVersion=0`,
      (e) => e.some((x) => x.type === 'MODIFIED'),
      'application/json;as=Table;v=v1;g=meta.k8s.io',
      () => post(`${CM}/cm1`, { data: { a: '2' } }, 'application/merge-patch+json', 'PATCH'),
    );
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { kind: 'Table', rows: [{ cells: ['cm1', expect.any(String)] }] } });
    expect(events.at(-1)).toMatchObject({ type: 'MODIFIED', object: { kind: 'Table' } });
  });

  it('replays from a resourceVersion and answers 410 Gone (ERROR event) once it is compacted', async () => {
    const list = await json(CM);
    const rv = (list.body.metadata as { resourceVersion: string }).resourceVersion;
    await post(`${CM}/cm1`, { data: { a: '3' } }, 'application/merge-patch+json', 'PATCH');
    const replayed = await watchEvents(`${CM}?watch=true&resourceVersion=${rv}`, (e) => e.length >= 1);
    expect(replayed[0]).toMatchObject({ type: 'MODIFIED', object: { data: { a: '3' } } });
    emulator.compactEventLog();
    const gone = await watchEvents(`${CM}?watch=true&resourceVersion=${rv}`, () => false);
    expect(gone).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
  });

  it('sends bookmarks when allowed and ends at timeoutSeconds', async () => {
    const rv = ((await json(CM)).body.metadata as { resourceVersion: string }).resourceVersion;
    const events = await watchEvents(`${CM}?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=${rv}`, () => false);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.type === 'BOOKMARK')).toBe(true);
    expect(events[0]!.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: expect.any(String) } });
  });

  it('turns selector transitions into ADDED / DELETED, and filters by field selector', async () => {
    await post(CM, { metadata: { name: 'sel', labels: { tier: 'a' } } });
    const rv = ((await json(CM)).body.metadata as { resourceVersion: string }).resourceVersion;
    const events = await watchEvents(
      `${CM}?watch=true&labelSelector=tier%3Da&fieldSelector=metadata.name%3Dsel&resourceVersion=${rv}`,
      (e) => e.length >= 2,
      'application/json',
      async () => {
        await post(`${CM}/cm1`, { metadata: { labels: { tier: 'a' } } }, 'application/merge-patch+json', 'PATCH'); // filtered by name
        await post(`${CM}/sel`, { metadata: { labels: { tier: 'b' } } }, 'application/merge-patch+json', 'PATCH');
        await post(`${CM}/sel`, { metadata: { labels: { tier: 'a' } } }, 'application/merge-patch+json', 'PATCH');
      },
    );
    expect(events.map((e) => `${e.type}:${(e.object.metadata as { name: string }).name}`)).toEqual(['DELETED:sel', 'ADDED:sel']);
  });

  it('supports the watch-list protocol (sendInitialEvents) with an initial-events-end bookmark', async () => {
    const events = await watchEvents(
      `${CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
      (e) => e.some((x) => x.type === 'BOOKMARK'),
    );
    expect(events.filter((e) => e.type === 'ADDED').length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({
      type: 'BOOKMARK',
      object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } },
    });
  });

  it('ends open watches on dropWatches()', async () => {
    const events = await watchEvents(
      `${CM}?watch=true&resourceVersion=0`,
      () => false,
      'application/json',
      async () => {
        await new Promise((r) => setTimeout(r, 50));
        expect(emulator.dropWatches()).toBe(1);
      },
    );
    expect(events.every((e) => e.type === 'ADDED')).toBe(true);
  });
});
