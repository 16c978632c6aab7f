import { Controller, Get, Param, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneExceptionFilter } from './control-plane-exception.filter.js';
import { ObjectPathPipe } from './object-path.pipe.js';

@Controller('api/v1')
class ProbeController {
  @Get('namespaces/:namespace/things/:name')
  get(@Param('namespace') namespace: string, @Param('name') name: string): { namespace: string; name: string } {
    return { namespace, name };
  }
}

describe('ObjectPathPipe (registered globally, as bootstrap.ts does)', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ProbeController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.useGlobalFilters(new ControlPlaneExceptionFilter({ error: () => undefined } as never));
    app.useGlobalPipes(new ObjectPathPipe());
    await app.init();
  });
  afterAll(() => app?.close());

  it('lets DNS-1123 labels through', async () => {
    await request(app.getHttpServer()).get('/api/v1/namespaces/team-a/things/b1').expect(200, { namespace: 'team-a', name: 'b1' });
  });

  it.each([
    ['namespace', '/api/v1/namespaces/a%2Fb/things/x', '"a/b"'],
    ['namespace', '/api/v1/namespaces/Default/things/x', '"Default"'],
    ['namespace', `/api/v1/namespaces/${'a'.repeat(64)}/things/x`, 'aaaa'],
    ['namespace', '/api/v1/namespaces/%2E%2E/things/x', '".."'],
    ['name', '/api/v1/namespaces/default/things/A_B', '"A_B"'],
    ['name', '/api/v1/namespaces/default/things/a%00', '"a\\u0000"'],
  ])('answers a bad %s (%s) with a 400 naming the field', async (field, path, shown) => {
    const response = await request(app.getHttpServer()).get(path).expect(400);
    expect(response.body.fields).toEqual([{ field, message: expect.stringContaining('must be a DNS-1123 label') }]);
    expect(response.body.message).toContain(shown);
  });
});
