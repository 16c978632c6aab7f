import type { Redis } from 'ioredis';
import { ControlPlaneError } from '../control-plane.errors.js';
import { sessionKey, type SessionStore } from './session-store.js';

/**
 * Browser sessions in Redis (`<prefix>:cp:sessions:<sha256 of the id>`, value the token fingerprint,
 * expiring with the cookie): they survive a control-plane restart and are shared by a leader and its
 * standby. Redis being down is `Unavailable` (503), not a failed login.
 */
export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(sessionId: string): string {
    return `${this.prefix}:cp:sessions:${sessionKey(sessionId)}`;
  }

  async create(sessionId: string, tokenFingerprint: string, ttlSeconds: number): Promise<void> {
    await this.wrap(() => this.redis.set(this.key(sessionId), tokenFingerprint, 'EX', ttlSeconds));
  }

  async fingerprintOf(sessionId: string): Promise<string | undefined> {
    return (await this.wrap(() => this.redis.get(this.key(sessionId)))) ?? undefined;
  }

  async revoke(sessionId: string): Promise<void> {
    await this.wrap(() => this.redis.del(this.key(sessionId)));
  }

  private async wrap<R>(call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      throw new ControlPlaneError('Unavailable', `Redis is unavailable, so sessions cannot be checked: ${(error as Error).message}`, [], {
        cause: error,
      });
    }
  }
}
