import type { NextFunction, Request, Response } from 'express';
import type { LeaderGuard } from './leader-guard.js';

/** Paths a standby still serves: probes (it is alive, and /readyz says it is standby) and its own metrics. */
const SERVED_BY_STANDBY = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Express middleware that answers 503 on every other path while this process does not hold the
 * single-writer role: a standby's caches are not kept current and its writes would race the leader's,
 * so it sends clients to the leader instead of answering stale or backwards status.
 */
export function createStandbyGate(
  guard: LeaderGuard,
  retryAfterSeconds: number,
): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    if (guard.isLeader() || SERVED_BY_STANDBY.has(request.path)) return next();
    const { message, state, holder } = guard.status();
    response.status(503).setHeader('Retry-After', String(retryAfterSeconds));
    response.json({ statusCode: 503, error: 'Unavailable', message, leadership: { state, ...(holder ? { leader: holder } : {}) } });
  };
}
