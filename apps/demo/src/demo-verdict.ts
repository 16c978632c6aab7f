import type { FitSummary } from '@scaleplan/contracts';
import type { ProfileSummary } from '../../control-plane/src/index.js';

/** One of the demo's three claims about its answer, and why it holds or not. */
export interface DemoCheck {
  readonly name: 'minima bracketed' | 'Approaches 2 and 3 agree' | 'N_opt interval ≤ ×3';
  readonly passed: boolean;
  readonly detail: string;
}

/** Widest N_opt interval (upper/lower) the demo accepts for its allocation. */
export const MAX_NOPT_INTERVAL_RATIO = 3;

const fmt = (x: number): string => x.toPrecision(3);
const range = (i: readonly [number, number]): string => `[${fmt(i[0])}, ${fmt(i[1])}]`;

/**
 * The demo's answer is worth something when (1) every IsoFLOP minimum lies inside the sizes run,
 * (2) Approaches 2 and 3 agree within their intervals (their 80% intervals of the exponent a overlap),
 * and (3) the allocation's N_opt interval is no wider than ×3. Each check says plainly why it failed;
 * the trust verdict of the fit the allocation came from, when it is not trusted, is added to the reason.
 */
export function demoChecks(
  profiles: readonly ProfileSummary[],
  fits: readonly FitSummary[],
  allocation: { readonly params: number; readonly paramsInterval?: readonly [number, number]; readonly method?: number } | undefined,
): DemoCheck[] {
  const unbracketed = profiles.filter((p) => !p.bracketed);
  const bracketed: DemoCheck = {
    name: 'minima bracketed',
    passed: profiles.length > 0 && unbracketed.length === 0,
    detail:
      profiles.length === 0
        ? 'no IsoFLOP profile has three finished sizes yet'
        : unbracketed.length === 0
          ? `all ${profiles.length} IsoFLOP minima lie inside the sizes run`
          : `the minimum of budget(s) ${unbracketed.map((p) => p.budgetFlops.toExponential(1)).join(', ')} lies outside the sizes run (${unbracketed.map((p) => (p.nOpt ? `vertex ${fmt(p.nOpt)}` : 'no upward curvature')).join(', ')})`,
  };

  const two = fits.find((f) => f.method === 2);
  const three = fits.find((f) => f.method === 3);
  let agree: DemoCheck;
  if (!two || !three) agree = { name: 'Approaches 2 and 3 agree', passed: false, detail: `Approach ${!two ? 2 : 3} has no fit` };
  else if (!two.converged || !three.converged)
    agree = { name: 'Approaches 2 and 3 agree', passed: false, detail: `Approach ${!two.converged ? 2 : 3} did not converge` };
  else if (!two.aInterval || !three.aInterval)
    agree = { name: 'Approaches 2 and 3 agree', passed: false, detail: 'no bootstrap interval of a to compare' };
  else {
    const overlap = two.aInterval[0] <= three.aInterval[1] && three.aInterval[0] <= two.aInterval[1];
    agree = {
      name: 'Approaches 2 and 3 agree',
      passed: overlap,
      detail: `a = ${two.a.toFixed(3)} ${range(two.aInterval)} (Approach 2) vs ${three.a.toFixed(3)} ${range(three.aInterval)} (Approach 3): the intervals ${overlap ? 'overlap' : 'do not overlap'}`,
    };
  }

  const interval = allocation?.paramsInterval;
  const ratio = interval ? interval[1] / interval[0] : Number.POSITIVE_INFINITY;
  const width: DemoCheck = {
    name: 'N_opt interval ≤ ×3',
    passed: ratio <= MAX_NOPT_INTERVAL_RATIO,
    detail: !allocation
      ? 'no allocation yet'
      : !interval
        ? `N_opt = ${fmt(allocation.params)} has no interval (no bootstrap replicates)`
        : `N_opt = ${fmt(allocation.params)} ${range(interval)}: ×${ratio.toFixed(2)} wide`,
  };

  // The verdict of the fit the allocation came from (another method's verdict would explain nothing here).
  const primary = fits.find((f) => f.method === allocation?.method && f.verdict !== undefined && !f.verdict.trusted);
  const checks = [bracketed, agree, width];
  if (!primary?.verdict) return checks;
  return checks.map((c) => (c.passed ? c : { ...c, detail: `${c.detail} (fit verdict: ${primary.verdict!.message})` }));
}
