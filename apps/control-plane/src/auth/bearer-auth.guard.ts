import { CanActivate, ExecutionContext, HttpException, HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { AUTH_REALM, IS_PUBLIC_KEY } from './auth.constants.js';
import { DashboardAuthService, type AuthFailureReason } from './dashboard-auth.service.js';

/** Reasons that answer 401 (a client past the failure limit gets 429 instead). */
export type UnauthorizedReason = Exclude<AuthFailureReason, 'rate-limited'>;

/** 401 raised by the bearer guard; `reason` says what was wrong with the credentials. */
export class BearerUnauthorizedException extends UnauthorizedException {
  constructor(readonly reason: UnauthorizedReason) {
    super(unauthorizedMessage(reason));
  }
}

/** 429 for a client that made too many failed authentications; the guard sets `Retry-After`. */
export class TooManyAuthFailuresException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      { statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'TooManyRequests', message: tooManyFailuresMessage(retryAfterSeconds) },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

/** Human message of a 429 after failed authentications. */
export const tooManyFailuresMessage = (retryAfterSeconds: number): string =>
  `Too many failed authentications from this address: try again in ${retryAfterSeconds} s`;

/** Human message of a failed authentication. */
export function unauthorizedMessage(reason: UnauthorizedReason): string {
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
export const wwwAuthenticate = (reason: UnauthorizedReason): string =>
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

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const http = context.switchToHttp();
    const result = await this.auth.authenticate(http.getRequest<Request>());
    if (result.ok) return true;
    const response = http.getResponse<Response>();
    if (result.reason === 'rate-limited') {
      const seconds = result.retryAfterSeconds ?? 1;
      response.setHeader('Retry-After', String(seconds));
      throw new TooManyAuthFailuresException(seconds);
    }
    response.setHeader('WWW-Authenticate', wwwAuthenticate(result.reason));
    throw new BearerUnauthorizedException(result.reason);
  }
}
