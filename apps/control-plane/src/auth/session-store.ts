import { createHash } from 'node:crypto';

/**
 * Server-side browser sessions: the login cookie carries a random id, and the session exists only while
 * the store holds it, so logging out (or the token changing) ends it for good — a copied cookie is no
 * longer accepted.
 */
export interface SessionStore {
  /** Records a new session that lasts `ttlSeconds`; `tokenFingerprint` ties it to the token it was opened with. */
  create(sessionId: string, tokenFingerprint: string, ttlSeconds: number): Promise<void>;
  /** The fingerprint the session was opened with, or undefined when it is unknown, expired or revoked. */
  fingerprintOf(sessionId: string): Promise<string | undefined>;
  /** Ends a session (idempotent). */
  revoke(sessionId: string): Promise<void>;
}

/** Sessions are stored under a hash of their id, so a dump of the store holds no usable cookie. */
export const sessionKey = (sessionId: string): string => createHash('sha256').update(sessionId).digest('base64url');

/** In-process sessions (tests, and an `AuthModule` used without Redis); expired ones are pruned on every login. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, { fingerprint: string; expiresAtMs: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Number of live sessions held (tests check that expired ones are dropped). */
  get size(): number {
    return this.sessions.size;
  }

  create(sessionId: string, tokenFingerprint: string, ttlSeconds: number): Promise<void> {
    const now = this.now();
    for (const [key, session] of this.sessions) if (session.expiresAtMs <= now) this.sessions.delete(key);
    this.sessions.set(sessionKey(sessionId), { fingerprint: tokenFingerprint, expiresAtMs: now + ttlSeconds * 1000 });
    return Promise.resolve();
  }

  fingerprintOf(sessionId: string): Promise<string | undefined> {
    const key = sessionKey(sessionId);
    const session = this.sessions.get(key);
    if (session && session.expiresAtMs <= this.now()) this.sessions.delete(key);
    return Promise.resolve(session && session.expiresAtMs > this.now() ? session.fingerprint : undefined);
  }

  revoke(sessionId: string): Promise<void> {
    this.sessions.delete(sessionKey(sessionId));
    return Promise.resolve();
  }
}
