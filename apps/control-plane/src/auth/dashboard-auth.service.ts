import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS, SESSION_COOKIE, SESSION_MAX_AGE_SECONDS } from './auth.constants.js';
import { AuthFailureLimiter, type AuthFailureLimits } from './auth-failure-limiter.js';
import { MemorySessionStore, type SessionStore } from './session-store.js';

/** Options of {@link AuthModule}. */
export interface AuthOptions {
  /** The one bearer token accepted (see `resolveDashboardToken`). */
  readonly token: string;
  /** Where browser sessions live. @default a `MemorySessionStore` (sessions end with the process) */
  readonly sessions?: SessionStore;
  /** Failed authentications allowed per client before 429. @default 20 per 60 s */
  readonly failureLimits?: AuthFailureLimits;
}

/** The parts of an HTTP request that authentication looks at (express requests satisfy it). */
export interface AuthRequestLike {
  readonly method?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly secure?: boolean;
  /** Client address (express: `request.ip`); failed attempts are counted per address. */
  readonly ip?: string;
}

/** Why a request was not let in. */
export type AuthFailureReason = 'missing' | 'invalid' | 'cross-site' | 'rate-limited';

/** How a request proved who it is, or why it did not. */
export type AuthResult =
  | { readonly ok: true; readonly via: 'bearer' | 'cookie' }
  | { readonly ok: false; readonly reason: AuthFailureReason; readonly retryAfterSeconds?: number };

const SESSION_CONTEXT = 'scaleplan-dashboard-session-v2';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/; // 32 random bytes, base64url

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** Parses a `Cookie` header into name → value (first occurrence wins, as browsers send the most specific first). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** The session id a request's cookie carries, if it has a well-formed one. */
export function sessionIdOf(request: AuthRequestLike): string | undefined {
  const cookie = parseCookies(headerValue(request.headers.cookie)).get(SESSION_COOKIE);
  return cookie !== undefined && SESSION_ID_PATTERN.test(cookie) ? cookie : undefined;
}

/**
 * Checks the bearer token (API clients, `Authorization: Bearer …`) and the login cookie (browsers).
 * The cookie holds a random session id that the session store knows until logout or expiry; the store
 * keeps a fingerprint of the token with it, so rotating the token logs every browser out. Wrong tokens
 * and cookies are counted per client address, and a client past the limit is refused (429) without
 * its credentials being looked at.
 */
@Injectable()
export class DashboardAuthService {
  private readonly tokenDigest: Buffer;
  private readonly tokenFingerprint: string;
  private readonly sessions: SessionStore;
  private readonly failures: AuthFailureLimiter;
  private readonly answered = new WeakMap<AuthRequestLike, Promise<AuthResult>>();

  constructor(@Inject(AUTH_OPTIONS) options: AuthOptions) {
    if (!options.token) throw new Error('AuthModule needs a non-empty token');
    this.tokenDigest = DashboardAuthService.digest(options.token);
    this.tokenFingerprint = createHmac('sha256', options.token).update(SESSION_CONTEXT).digest('base64url');
    this.sessions = options.sessions ?? new MemorySessionStore();
    this.failures = new AuthFailureLimiter(options.failureLimits);
  }

  /** Constant-time check of a presented token (digests first, so lengths leak nothing). */
  isValidToken(candidate: string): boolean {
    return timingSafeEqual(DashboardAuthService.digest(candidate), this.tokenDigest);
  }

  /**
   * Authenticates a request by bearer header, else by session cookie; counts and limits failures per
   * client. Once per request: the global guard and a controller's own guard share the answer.
   */
  authenticate(request: AuthRequestLike): Promise<AuthResult> {
    let result = this.answered.get(request);
    if (!result) {
      result = this.authenticateOnce(request);
      this.answered.set(request, result);
    }
    return result;
  }

  private async authenticateOnce(request: AuthRequestLike): Promise<AuthResult> {
    const client = request.ip ?? 'unknown';
    const waitSeconds = await this.failures.retryAfterSeconds(client);
    if (waitSeconds > 0) return { ok: false, reason: 'rate-limited', retryAfterSeconds: waitSeconds };
    const result = await this.check(request);
    if (result.ok || result.reason !== 'invalid') return result;
    const blockedSeconds = await this.failures.recordFailure(client);
    return blockedSeconds > 0 ? { ok: false, reason: 'rate-limited', retryAfterSeconds: blockedSeconds } : result;
  }

  /**
   * Checks a token posted to the login form under the same per-client limit. Returns the seconds to
   * wait when the client is refused, else whether the token is right.
   */
  async checkLoginToken(candidate: string, client: string | undefined): Promise<{ valid: boolean; retryAfterSeconds: number }> {
    const key = client ?? 'unknown';
    const waitSeconds = await this.failures.retryAfterSeconds(key);
    if (waitSeconds > 0) return { valid: false, retryAfterSeconds: waitSeconds };
    if (this.isValidToken(candidate)) return { valid: true, retryAfterSeconds: 0 };
    return { valid: false, retryAfterSeconds: await this.failures.recordFailure(key) };
  }

  /** Opens a session and returns the `Set-Cookie` value that logs a browser in. */
  async openSession(secure: boolean): Promise<string> {
    const sessionId = randomBytes(32).toString('base64url');
    await this.sessions.create(sessionId, this.tokenFingerprint, SESSION_MAX_AGE_SECONDS);
    return `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_SECONDS}${secure ? '; Secure' : ''}`;
  }

  /** Ends the session of the request's cookie, if any, so that the cookie is refused from now on. */
  async closeSession(request: AuthRequestLike): Promise<void> {
    const sessionId = sessionIdOf(request);
    if (sessionId) await this.sessions.revoke(sessionId);
  }

  /** `Set-Cookie` value that logs a browser out. */
  static clearedSessionCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
  }

  private async check(request: AuthRequestLike): Promise<AuthResult> {
    // Kubernetes mode: a Kubernetes token already passed TokenReview and SubjectAccessReview (kube/kubernetes-auth.module.ts).
    if ((request as { kubernetesUser?: unknown }).kubernetesUser !== undefined) return { ok: true, via: 'bearer' };
    const authorization = headerValue(request.headers.authorization);
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      return match && this.isValidToken(match[1]!) ? { ok: true, via: 'bearer' } : { ok: false, reason: 'invalid' };
    }
    const cookie = parseCookies(headerValue(request.headers.cookie)).get(SESSION_COOKIE);
    if (cookie === undefined || cookie === '') return { ok: false, reason: 'missing' };
    const sessionId = sessionIdOf(request);
    const fingerprint = sessionId === undefined ? undefined : await this.sessions.fingerprintOf(sessionId);
    if (fingerprint === undefined || !sameText(fingerprint, this.tokenFingerprint)) return { ok: false, reason: 'invalid' };
    // SameSite=Strict already stops cross-site sends; an explicit Origin check also covers old browsers.
    if (!SAFE_METHODS.has((request.method ?? 'GET').toUpperCase()) && !isSameOrigin(request)) return { ok: false, reason: 'cross-site' };
    return { ok: true, via: 'cookie' };
  }

  private static digest(value: string): Buffer {
    return createHmac('sha256', 'scaleplan-token-compare').update(value).digest();
  }
}

/** Constant-time string equality. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** True when the request has no Origin header or its Origin's host is the request's Host. */
function isSameOrigin(request: AuthRequestLike): boolean {
  const origin = headerValue(request.headers.origin);
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === headerValue(request.headers.host);
  } catch {
    return false;
  }
}
