import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Who a service-account token stands for (what TokenReview answers). */
export interface ServiceAccountIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly podName?: string;
  readonly podUid?: string;
  readonly audiences: readonly string[];
  /** Seconds since the epoch. */
  readonly expiresAt: number;
}

/** The audience of tokens that don't ask for one (the API server's own). */
export const DEFAULT_TOKEN_AUDIENCE = 'https://kubernetes.default.svc';

/**
 * Issues and verifies the emulator's service-account tokens: `<payload>.<HMAC>` with a key made at start, so
 * only this emulator's tokens verify. Real clusters issue signed JWTs; clients treat both as opaque bearer
 * tokens, so nothing outside the emulator depends on the format.
 */
export class ServiceAccountTokens {
  private readonly key = randomBytes(32);

  constructor(private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {}

  issue(
    identity: Omit<ServiceAccountIdentity, 'expiresAt' | 'audiences'> & { audiences?: readonly string[]; expirationSeconds: number },
  ): string {
    const { expirationSeconds, audiences, ...rest } = identity;
    const payload: ServiceAccountIdentity = {
      ...rest,
      audiences: audiences && audiences.length > 0 ? audiences : [DEFAULT_TOKEN_AUDIENCE],
      expiresAt: this.nowSeconds() + expirationSeconds,
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** The identity of a valid, unexpired token; undefined otherwise. */
  verify(token: string): ServiceAccountIdentity | undefined {
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined) return undefined;
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const identity = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ServiceAccountIdentity;
      return identity.expiresAt > this.nowSeconds() ? identity : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
