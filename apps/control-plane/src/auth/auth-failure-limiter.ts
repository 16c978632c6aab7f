import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

/** Options of {@link AuthFailureLimiter}. */
export interface AuthFailureLimits {
  /** Failed authentications a client may make per window. @default 20 */
  readonly failures?: number;
  /** Length of the window, and how long a client that went past it is refused, in seconds. @default 60 */
  readonly windowSeconds?: number;
}

/**
 * Counts failed authentications (a wrong token or session cookie) per client address and refuses a client
 * that made too many, so the token cannot be guessed at speed. Only failures count: a request without
 * credentials (a browser's first visit) and every authenticated request cost nothing. Counters live in
 * this process and expire with their window, so memory stays bounded by the clients seen recently.
 */
export class AuthFailureLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(limits: AuthFailureLimits = {}) {
    const windowSeconds = limits.windowSeconds ?? 60;
    this.limiter = new RateLimiterMemory({ points: limits.failures ?? 20, duration: windowSeconds, blockDuration: windowSeconds });
  }

  /** Seconds the client must wait before it may try again; 0 when it may try now. */
  async retryAfterSeconds(client: string): Promise<number> {
    const state = await this.limiter.get(client);
    return state && state.consumedPoints > this.limiter.points ? Math.max(1, Math.ceil(state.msBeforeNext / 1000)) : 0;
  }

  /** Counts one failure; returns the seconds to wait when this one went past the limit, else 0. */
  async recordFailure(client: string): Promise<number> {
    try {
      await this.limiter.consume(client);
      return 0;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw rejection;
    }
  }
}
