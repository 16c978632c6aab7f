/** What one readiness check reports on /readyz. */
export interface ReadinessResult {
  readonly ready: boolean;
  /** Why it is not ready (a sentence for humans). */
  readonly message?: string;
  /** Facts shown on /readyz either way. */
  readonly details?: Record<string, unknown>;
}

/**
 * A readiness condition beyond Redis that a mode plugs in (kubernetes mode: the informers). /readyz
 * answers 503 while any check is not ready.
 */
export interface ReadinessCheck {
  /** Key of the check in the /readyz body, e.g. 'informers'. */
  readonly name: string;
  check(): ReadinessResult;
}

/** DI token of the `ReadinessCheck[]` (empty in local mode; later providers with the same token win). */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
