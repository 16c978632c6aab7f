import type { ReadinessCheck, ReadinessResult } from '../http/readiness.js';
import type { InformerHealth } from './kubernetes-backends.js';

/** How long an informer may fail before /readyz does (a dropped watch usually comes back within seconds). @default 30000 */
export const DEFAULT_INFORMER_READINESS_GRACE_MS = 30_000;

/**
 * Readiness of the kubernetes-mode informers: not ready while an informer is stopped, or has been failing
 * (restarts included) for longer than the grace period — the control plane would then act on a stale view
 * of the custom resources. A short failure, which the informer's own backoff usually mends, does not count.
 */
export class InformerReadiness implements ReadinessCheck {
  readonly name = 'informers';

  constructor(
    private readonly informers: () => readonly InformerHealth[],
    private readonly graceMs: number = DEFAULT_INFORMER_READINESS_GRACE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  check(): ReadinessResult {
    const now = this.now();
    const details: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const informer of this.informers()) {
      const failingMs = informer.failingSince === undefined ? 0 : now - informer.failingSince;
      details[informer.kind] = {
        healthy: informer.healthy,
        restarts: informer.restarts,
        ...(informer.failingSince !== undefined ? { failingSeconds: Math.round(failingMs / 1000) } : {}),
      };
      if (!informer.running) problems.push(`the ${informer.kind} informer is not running`);
      else if (informer.failingSince !== undefined && failingMs >= this.graceMs) {
        problems.push(
          `the ${informer.kind} informer has been failing for ${Math.round(failingMs / 1000)} s (${informer.restarts} restarts)`,
        );
      }
    }
    return problems.length > 0
      ? { ready: false, message: `Kubernetes watch unavailable: ${problems.join('; ')}`, details }
      : { ready: true, details };
  }
}
