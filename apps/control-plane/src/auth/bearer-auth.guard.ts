import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AUTH_REALM, IS_PUBLIC_KEY } from './auth.constants.js';
import { DashboardAuthService, type AuthResult } from './dashboard-auth.service.js';

/** 401 raised by the bearer guard; `reason` says what was wrong with the credentials. */
export class BearerUnauthorizedException extends UnauthorizedException {
  constructor(readonly reason: Exclude<AuthResult, { ok: true }>['reason']) {
    super(unauthorizedMessage(reason));
  }
}

/** Human message of a failed authentication. */
export function unauthorizedMessage(reason: Exclude<AuthResult, { ok: true }>['reason']): string {
  switch (reason) {
    case 'missing':
      return 'Authentication required: send "Authorization: Bearer <token>" or sign in at /login';
    case 'invalid':
      return 'Invalid token';
    case 'cross-site':
      return 'Cross-site request refused: send "Authorization: Bearer <token>" instead of the session cookie';
  }
}

/** `WWW-Authenticate` value of a 401 (RFC 6750 §3). */
export const wwwAuthenticate = (reason: Exclude<AuthResult, { ok: true }>['reason']): string =>
  reason === 'missing' ? `Bearer realm="${AUTH_REALM}"` : `Bearer realm="${AUTH_REALM}", error="invalid_token"`;

/**
 * Requires the dashboard bearer token (or the login cookie) unless the route is `@Public()`.
 * Use per controller with `@UseGuards(BearerAuthGuard)`, or everywhere with
 * `AuthModule.forRoot({ token, protectAllRoutes: true })`.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly auth: DashboardAuthService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const http = context.switchToHttp();
    const result = this.auth.authenticate(http.getRequest<Request>());
    if (result.ok) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', wwwAuthenticate(result.reason));
    throw new BearerUnauthorizedException(result.reason);
  }
}
