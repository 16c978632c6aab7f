import type { NextFunction, Request, Response } from 'express';
import { wwwAuthenticate, unauthorizedMessage } from './bearer-auth.guard.js';
import type { DashboardAuthService } from './dashboard-auth.service.js';
import { renderLoginPage } from './login-page.js';

/** True when a browser navigates here (an HTML page is wanted, not JSON). */
export const wantsHtml = (request: Request): boolean => request.method === 'GET' && /\btext\/html\b/.test(request.headers.accept ?? '');

/** Writes the 401 answer: the login form for browsers, JSON for API clients. */
export function sendUnauthorized(request: Request, response: Response, reason: Parameters<typeof unauthorizedMessage>[0]): void {
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

/**
 * Express middleware form of the bearer guard, for routers Nest guards never see (bull-board at
 * `/queues` is mounted as middleware).
 */
export function createBearerAuthMiddleware(auth: DashboardAuthService): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    const result = auth.authenticate(request);
    if (result.ok) {
      next();
      return;
    }
    sendUnauthorized(request, response, result.reason);
  };
}
