import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';

/**
 * Answers 503 with a message while the control plane's Redis connection is down, for routers that talk
 * to Redis outside Nest's exception filter (bull-board at `/queues` would otherwise answer 500 with
 * the driver's error). The connection notices a lost server at once (the socket closes), so checking its
 * state before the request costs nothing and catches the outage.
 */
export function createRedisAvailabilityMiddleware(
  redis: Pick<Redis, 'status'>,
  what: string,
): (request: Request, response: Response, next: NextFunction) => void {
  return (_request, response, next) => {
    if (redis.status === 'ready') return next();
    response.status(503).setHeader('Retry-After', '5');
    response.setHeader('Cache-Control', 'no-store');
    response.json({
      statusCode: 503,
      error: 'Unavailable',
      message: `Redis is unavailable (connection ${redis.status}), so ${what} cannot be shown; /readyz answers 200 again once it is back`,
    });
  };
}
