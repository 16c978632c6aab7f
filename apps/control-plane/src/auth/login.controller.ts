import { Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { tooManyFailuresMessage } from './bearer-auth.guard.js';
import { DashboardAuthService } from './dashboard-auth.service.js';
import { renderLoginPage, safeNextPath } from './login-page.js';
import { Public } from './public.decorator.js';

/** Longest form body read when no body parser ran (a token plus a path fit easily). */
const MAX_FORM_BYTES = 16 * 1024;

/** True when the browser reached us over TLS (directly or through a proxy that says so). */
const isHttps = (request: Request): boolean =>
  request.secure ||
  String(request.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    ?.trim() === 'https';

/** Reads `application/x-www-form-urlencoded` fields, whether or not Nest's body parser already ran. */
async function readForm(request: Request): Promise<Record<string, unknown>> {
  // The control plane parses JSON and YAML only; a form body arrives unparsed (or as an empty object).
  if (request.body && typeof request.body === 'object' && Object.keys(request.body as object).length > 0)
    return request.body as Record<string, unknown>;
  if (request.readableEnded) return {};
  let text = '';
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > MAX_FORM_BYTES) return {};
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** The browser login form: exchanges the bearer token for an HttpOnly, SameSite=Strict cookie. */
@ApiExcludeController()
@Public()
@Controller()
export class LoginController {
  constructor(private readonly auth: DashboardAuthService) {}

  @Get('login')
  showForm(@Query('next') next: unknown, @Res() response: Response): void {
    response.setHeader('Cache-Control', 'no-store');
    response.type('html').send(renderLoginPage({ next: safeNextPath(next) }));
  }

  @Post('login')
  async logIn(@Req() request: Request, @Res() response: Response): Promise<void> {
    const form = await readForm(request);
    const next = safeNextPath(form.next);
    response.setHeader('Cache-Control', 'no-store');
    const check = await this.auth.checkLoginToken(typeof form.token === 'string' ? form.token.trim() : '', request.ip);
    if (check.retryAfterSeconds > 0) {
      response
        .status(429)
        .setHeader('Retry-After', String(check.retryAfterSeconds))
        .type('html')
        .send(renderLoginPage({ next, error: tooManyFailuresMessage(check.retryAfterSeconds) }));
      return;
    }
    if (!check.valid) {
      response
        .status(401)
        .type('html')
        .send(renderLoginPage({ next, error: 'That token is not valid.' }));
      return;
    }
    response.setHeader('Set-Cookie', await this.auth.openSession(isHttps(request)));
    response.redirect(303, next);
  }

  /** Ends the session server-side (a copy of the cookie stops working too), then clears the cookie. */
  @Post('logout')
  @HttpCode(303)
  async logOut(@Req() request: Request, @Res() response: Response): Promise<void> {
    await this.auth.closeSession(request);
    response.setHeader('Set-Cookie', DashboardAuthService.clearedSessionCookie(isHttps(request)));
    response.redirect(303, '/login');
  }
}
