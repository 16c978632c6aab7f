import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAll } from './control-plane-client.js';

describe('listAll', () => {
  let server: Server;
  let url: string;
  const seen: { url: string; authorization?: string }[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push({ url: request.url!, authorization: request.headers.authorization });
      const next = new URL(request.url!, 'http://x').searchParams.get('continue');
      const body = next ? { items: [{ n: 3 }], metadata: {} } : { items: [{ n: 1 }, { n: 2 }], metadata: { continue: 'page-2' } };
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('follows metadata.continue page by page and sends the token with every read', async () => {
    expect(await listAll<{ n: number }>(url, '/api/v1/scalinglaws', 'secret', 2)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(seen).toEqual([
      { url: '/api/v1/scalinglaws?limit=2', authorization: 'Bearer secret' },
      { url: '/api/v1/scalinglaws?limit=2&continue=page-2', authorization: 'Bearer secret' },
    ]);
  });
});
