import { Controller, Get, Post, UseFilters, UseGuards, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControlPlaneError } from '../control-plane.errors.js';
import { SESSION_COOKIE, SESSION_MAX_AGE_SECONDS } from './auth.constants.js';
import { AuthModule } from './auth.module.js';
import { BearerAuthGuard } from './bearer-auth.guard.js';
import { createBearerAuthMiddleware } from './bearer-auth.middleware.js';
import { DashboardAuthService } from './dashboard-auth.service.js';
import { Public } from './public.decorator.js';
import { MemorySessionStore, type SessionStore } from './session-store.js';
import { UnauthorizedPageFilter } from './unauthorized-page.filter.js';

const TOKEN = 'correct-horse-battery-staple';

@Controller('api/v1/things')
@UseGuards(BearerAuthGuard)
class ThingsController {
  @Get() list() {
    return { items: [] };
  }
  @Post() create() {
    return { created: true };
  }
}

@Controller()
@UseGuards(BearerAuthGuard)
@UseFilters(UnauthorizedPageFilter)
class PageController {
  @Get('page') page() {
    return 'page';
  }
  @Public() @Get('healthz') health() {
    return 'ok';
  }
}

describe('AuthModule (per-route guard, login form, middleware)', () => {
  let app: INestApplication;
  let sessionCookie: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AuthModule.forRoot({ token: TOKEN })],
      controllers: [ThingsController, PageController],
    }).compile();
    app = moduleRef.createNestApplication();
    const auth = app.get(DashboardAuthService);
    const queues = express.Router().get('/', (_req, res) => {
      res.send('queues');
    });
    app.use('/queues', createBearerAuthMiddleware(auth), queues);
    await app.init();
  });
  afterAll(async () => app.close());

  it('answers 401 with WWW-Authenticate when no token is sent', async () => {
    const res = await request(app.getHttpServer()).get('/api/v1/things').expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="scaleplan"');
    expect(res.body.message).toMatch(/Authorization: Bearer/);
  });

  it('rejects a wrong token with invalid_token', async () => {
    const res = await request(app.getHttpServer()).post('/api/v1/things').set('Authorization', 'Bearer nope').expect(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(res.body.message).toBe('Invalid token');
  });

  it('rejects a malformed Authorization header', async () => {
    await request(app.getHttpServer()).get('/api/v1/things').set('Authorization', `Basic ${TOKEN}`).expect(401);
  });

  it('accepts the right token', async () => {
    await request(app.getHttpServer()).post('/api/v1/things').set('Authorization', `bearer ${TOKEN}`).expect(201, { created: true });
  });

  it('lets @Public() routes through', async () => {
    await request(app.getHttpServer()).get('/healthz').expect(200, 'ok');
  });

  it('shows browsers the login form with status 401', async () => {
    const res = await request(app.getHttpServer()).get('/page?x=1').set('Accept', 'text/html').expect(401);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('<form method="post" action="/login"');
    expect(res.text).toContain('value="/page?x=1"');
    expect(res.text).not.toContain(TOKEN);
  });

  it('login form rejects a wrong token without setting a cookie', async () => {
    const res = await request(app.getHttpServer()).post('/login').type('form').send({ token: 'wrong', next: '/page' }).expect(401);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).toContain('That token is not valid.');
  });

  it('login form sets an HttpOnly SameSite=Strict cookie that is not the token', async () => {
    const res = await request(app.getHttpServer()).post('/login').type('form').send({ token: TOKEN, next: '/page' }).expect(303);
    expect(res.headers.location).toBe('/page');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]+; Path=/; HttpOnly; SameSite=Strict`));
    expect(cookie).not.toContain(TOKEN);
    sessionCookie = cookie.split(';')[0]!;
  });

  it('the session cookie opens pages, the API and /queues', async () => {
    await request(app.getHttpServer()).get('/page').set('Cookie', sessionCookie).expect(200, 'page');
    await request(app.getHttpServer()).get('/api/v1/things').set('Cookie', sessionCookie).expect(200);
    await request(app.getHttpServer()).get('/queues').set('Cookie', sessionCookie).expect(200, 'queues');
  });

  it('refuses a cookie-authenticated write from another origin', async () => {
    const res = await request(app.getHttpServer())
      .post('/api/v1/things')
      .set('Cookie', sessionCookie)
      .set('Origin', 'https://evil.example')
      .expect(401);
    expect(res.body.message).toMatch(/Cross-site/);
  });

  it('refuses a forged cookie', async () => {
    await request(app.getHttpServer())
      .get('/api/v1/things')
      .set('Cookie', `${SESSION_COOKIE}=${'x'.repeat(43)}`)
      .expect(401);
  });

  it('never redirects off-site after login', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const res = await request(app.getHttpServer()).post('/login').type('form').send({ token: TOKEN, next }).expect(303);
      expect(res.headers.location).toBe('/');
    }
  });

  it('protects /queues (mounted as middleware) with 401', async () => {
    await request(app.getHttpServer()).get('/queues').expect(401);
    await request(app.getHttpServer()).get('/queues').set('Authorization', 'Bearer wrong').expect(401);
    await request(app.getHttpServer()).get('/queues').set('Authorization', `Bearer ${TOKEN}`).expect(200, 'queues');
  });

  it('logout clears the cookie and ends the session server-side: a kept copy of the cookie is refused', async () => {
    await request(app.getHttpServer()).get('/api/v1/things').set('Cookie', sessionCookie).expect(200);
    const res = await request(app.getHttpServer()).post('/logout').set('Cookie', sessionCookie).expect(303);
    expect(String(res.headers['set-cookie'])).toContain('Max-Age=0');
    await request(app.getHttpServer()).get('/api/v1/things').set('Cookie', sessionCookie).expect(401);
    await request(app.getHttpServer()).get('/queues').set('Cookie', sessionCookie).expect(401);
  });
});

describe('AuthModule sessions', () => {
  it('a session opened under one token is refused once the token changes', async () => {
    const sessions = new MemorySessionStore();
    const before = new DashboardAuthService({ token: TOKEN, sessions });
    const cookie = (await before.openSession(false)).split(';')[0]!;
    expect(await before.authenticate({ headers: { cookie } })).toEqual({ ok: true, via: 'cookie' });
    const rotated = new DashboardAuthService({ token: 'a-new-token', sessions });
    expect(await rotated.authenticate({ headers: { cookie } })).toEqual({ ok: false, reason: 'invalid' });
  });

  it('expired sessions are refused and dropped', async () => {
    let now = 0;
    const sessions = new MemorySessionStore(() => now);
    const auth = new DashboardAuthService({ token: TOKEN, sessions });
    const cookie = (await auth.openSession(false)).split(';')[0]!;
    now += (SESSION_MAX_AGE_SECONDS + 1) * 1000;
    expect(await auth.authenticate({ headers: { cookie } })).toEqual({ ok: false, reason: 'invalid' });
    expect(sessions.size).toBe(0);
  });
});

describe('AuthModule when sessions cannot be checked', () => {
  it('answers 503 with the reason on middleware routes (the Nest filter does the same for guarded routes)', async () => {
    const unavailable: SessionStore = {
      create: () => Promise.resolve(),
      revoke: () => Promise.resolve(),
      fingerprintOf: () => Promise.reject(new ControlPlaneError('Unavailable', 'Redis is unavailable, so sessions cannot be checked')),
    };
    const auth = new DashboardAuthService({ token: TOKEN, sessions: unavailable });
    const app = express().use(createBearerAuthMiddleware(auth), (_req, res) => res.send('ok'));
    const res = await request(app)
      .get('/')
      .set('Cookie', `${SESSION_COOKIE}=${'a'.repeat(43)}`)
      .expect(503);
    expect(res.body.message).toMatch(/sessions cannot be checked/);
    await request(app).get('/').set('Authorization', `Bearer ${TOKEN}`).expect(200, 'ok');
  });
});

describe('AuthModule failed-authentication limit', () => {
  let app: INestApplication;
  const server = () => app.getHttpServer();

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AuthModule.forRoot({ token: TOKEN, failureLimits: { failures: 3, windowSeconds: 60 } })],
      controllers: [ThingsController],
    }).compile();
    app = moduleRef.createNestApplication();
    const auth = app.get(DashboardAuthService);
    app.use('/queues', createBearerAuthMiddleware(auth), (_req: express.Request, res: express.Response) => res.send('queues'));
    await app.init();
  });
  afterAll(async () => app.close());

  it('requests without credentials are not counted', async () => {
    for (let i = 0; i < 10; i++) await request(server()).get('/api/v1/things').expect(401);
  });

  it('answers 429 with Retry-After past the limit, on the API, on middleware routes and on the login form', async () => {
    for (let i = 0; i < 3; i++) await request(server()).get('/api/v1/things').set('Authorization', 'Bearer wrong').expect(401);
    const refused = await request(server()).get('/api/v1/things').set('Authorization', 'Bearer wrong').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body.message).toMatch(/Too many failed authentications/);
    // While refused, even the right token is not looked at: guessing cannot go on through another route.
    await request(server()).get('/api/v1/things').set('Authorization', `Bearer ${TOKEN}`).expect(429);
    const viaMiddleware = await request(server()).get('/queues').set('Authorization', `Bearer ${TOKEN}`).expect(429);
    expect(viaMiddleware.headers['retry-after']).toBeDefined();
    const viaLogin = await request(server()).post('/login').type('form').send({ token: TOKEN, next: '/' }).expect(429);
    expect(viaLogin.headers['retry-after']).toBeDefined();
    expect(viaLogin.headers['set-cookie']).toBeUndefined();
  });

  it('counts wrong tokens posted to the login form', async () => {
    const auth = new DashboardAuthService({ token: TOKEN, failureLimits: { failures: 2, windowSeconds: 60 } });
    expect(await auth.checkLoginToken('nope', '10.0.0.1')).toEqual({ valid: false, retryAfterSeconds: 0 });
    expect(await auth.checkLoginToken('nope', '10.0.0.1')).toEqual({ valid: false, retryAfterSeconds: 0 });
    expect((await auth.checkLoginToken('nope', '10.0.0.1')).retryAfterSeconds).toBeGreaterThan(0);
    expect((await auth.checkLoginToken(TOKEN, '10.0.0.1')).retryAfterSeconds).toBeGreaterThan(0);
    // Another client is not affected.
    expect(await auth.checkLoginToken(TOKEN, '10.0.0.2')).toEqual({ valid: true, retryAfterSeconds: 0 });
  });
});

@Controller('open')
class OpenController {
  @Get() open() {
    return 'guarded';
  }
  @Public() @Get('public') pub() {
    return 'public';
  }
}

describe('AuthModule.forRootAsync({ protectAllRoutes: true })', () => {
  let app: INestApplication;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AuthModule.forRootAsync({ protectAllRoutes: true, useFactory: () => ({ token: TOKEN }) })],
      controllers: [OpenController],
    }).compile();
    app = moduleRef.createNestApplication();
    await app.init();
  });
  afterAll(async () => app.close());

  it('guards every route but the public ones and the login form', async () => {
    await request(app.getHttpServer()).get('/open').expect(401);
    await request(app.getHttpServer()).get('/open').set('Authorization', `Bearer ${TOKEN}`).expect(200, 'guarded');
    await request(app.getHttpServer()).get('/open/public').expect(200, 'public');
    await request(app.getHttpServer()).get('/login').expect(200);
  });
});
