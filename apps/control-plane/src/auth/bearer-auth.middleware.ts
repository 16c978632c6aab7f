import type { NextFunction, Request, Response } from 'express';
import { ControlPlaneError } from '../control-plane.errors.js';
import { tooManyFailuresMessage, wwwAuthenticate, unauthorizedMessage, type UnauthorizedReason } from './bearer-auth.guard.js';
import type { DashboardAuthService } from './dashboard-auth.service.js';
import { renderLoginPage } from './login-page.js';

/** True when a browser navigates here (an HTML page is wanted, not JSON). */
export const wantsHtml = (request: Request): boolean => request.method === 'GET' && /\btext\/html\b/.test(request.headers.accept ?? '');

/** Writes the 401 answer: the login form for browsers, JSON for API clients. */
export function sendUnauthorized(request: Request, response: Response, reason: UnauthorizedReason): void {
  response.status(401).setHeader('WWW-Authenticate', wwwAuthenticate(reason));
  response.setHeader('Cache-Control', 'no-store');
  if (wantsHtml(request)) {
    response
      .type('html')
      .send(renderLoginPage({ next: request.originalUrl, ...(reason === 'missing' ? {} : { error: unauthorizedMessage(reason) }) }));
    return;
  }
  response.json({ statusCode: 401, error: 'Unauthorized', message: unauthorizedMessage(reason) });
}

/** Writes the 429 answer of a client past the failed-authentication limit. */
export function sendTooManyFailures(response: Response, retryAfterSeconds: number): void {
  response.status(429).setHeader('Retry-After', String(retryAfterSeconds));
  response.setHeader('Cache-Control', 'no-store');
  response.json({ statusCode: 429, error: 'TooManyRequests', message: tooManyFailuresMessage(retryAfterSeconds) });
}

/**
 * Express middleware form of the bearer guard, for routers Nest guards never see (bull-board at
 * `/queues` is mounted as middleware, Swagger at `/docs`). Sessions that cannot be checked (Redis down)
 * answer 503.
 */
export function createBearerAuthMiddleware(auth: DashboardAuthService): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    auth.authenticate(request).then(
      (result) => {
        if (result.ok) next();
        else if (result.reason === 'rate-limited') sendTooManyFailures(response, result.retryAfterSeconds ?? 1);
        else sendUnauthorized(request, response, result.reason);
      },
      (error: unknown) => {
        if (!(error instanceof ControlPlaneError) || error.code !== 'Unavailable') return next(error);
        response.status(503).setHeader('Retry-After', '5');
        response.json({ statusCode: 503, error: 'Unavailable', message: error.message });
      },
    );
  };
}
