import { createHmac, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS, SESSION_COOKIE, SESSION_MAX_AGE_SECONDS } from './auth.constants.js';

/** Options of {@link AuthModule}. */
export interface AuthOptions {
  /** The one bearer token accepted (see `resolveDashboardToken`). */
  readonly token: string;
}

/** The parts of an HTTP request that authentication looks at (express requests satisfy it). */
export interface AuthRequestLike {
  readonly method?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly secure?: boolean;
}

/** How a request proved who it is, or why it did not. */
export type AuthResult =
  { readonly ok: true; readonly via: 'bearer' | 'cookie' } | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'cross-site' };

const SESSION_CONTEXT = 'scaleplan-dashboard-session-v1';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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

/**
 * Checks the bearer token (API clients, `Authorization: Bearer …`) and the login cookie (browsers).
 * The cookie holds an HMAC of the token, never the token itself, so a leaked cookie jar does not
 * reveal the credential and rotating the token logs every browser out.
 */
@Injectable()
export class DashboardAuthService {
  private readonly tokenDigest: Buffer;
  private readonly sessionValue: string;

  constructor(@Inject(AUTH_OPTIONS) options: AuthOptions) {
    if (!options.token) throw new Error('AuthModule needs a non-empty token');
    this.tokenDigest = DashboardAuthService.digest(options.token);
    this.sessionValue = createHmac('sha256', options.token).update(SESSION_CONTEXT).digest('base64url');
  }

  /** Constant-time check of a presented token (digests first, so lengths leak nothing). */
  isValidToken(candidate: string): boolean {
    return timingSafeEqual(DashboardAuthService.digest(candidate), this.tokenDigest);
  }

  /** Authenticates a request by bearer header, else by session cookie. */
  authenticate(request: AuthRequestLike): AuthResult {
    const authorization = headerValue(request.headers.authorization);
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      return match && this.isValidToken(match[1]!) ? { ok: true, via: 'bearer' } : { ok: false, reason: 'invalid' };
    }
    const cookie = parseCookies(headerValue(request.headers.cookie)).get(SESSION_COOKIE);
    if (cookie === undefined) return { ok: false, reason: 'missing' };
    const presented = Buffer.from(cookie);
    const expected = Buffer.from(this.sessionValue);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return { ok: false, reason: 'invalid' };
    // SameSite=Strict already stops cross-site sends; an explicit Origin check also covers old browsers.
    if (!SAFE_METHODS.has((request.method ?? 'GET').toUpperCase()) && !isSameOrigin(request)) return { ok: false, reason: 'cross-site' };
    return { ok: true, via: 'cookie' };
  }

  /** `Set-Cookie` value that logs a browser in. */
  sessionCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=${this.sessionValue}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_SECONDS}${secure ? '; Secure' : ''}`;
  }

  /** `Set-Cookie` value that logs a browser out. */
  static clearedSessionCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
  }

  private static digest(value: string): Buffer {
    return createHmac('sha256', 'scaleplan-token-compare').update(value).digest();
  }
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
