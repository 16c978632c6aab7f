import type { FitSummary } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { demoChecks } from './demo-verdict.js';
import type { ProfileSummary } from '../../control-plane/src/index.js';

const profile = (budgetFlops: number, bracketed: boolean): ProfileSummary => ({ budgetFlops, runs: 5, bracketed, nOpt: 1e4 });
const fit = (method: 2 | 3, a: number, aInterval: [number, number], converged = true): FitSummary => ({
  method,
  converged,
  fittedAt: 'now',
  runs: 15,
  a,
  b: 1 - a,
  aInterval,
  warnings: [],
});
const good = {
  profiles: [profile(1e11, true), profile(2e11, true)],
  fits: [fit(2, 0.5, [0.45, 0.55]), fit(3, 0.52, [0.5, 0.6])],
  allocation: { params: 1e5, paramsInterval: [6e4, 1.7e5] as [number, number] },
};

describe('demoChecks', () => {
  it('passes a study whose minima are bracketed, whose methods agree and whose interval is narrow', () => {
    expect(demoChecks(good.profiles, good.fits, good.allocation).map((c) => c.passed)).toEqual([true, true, true]);
  });

  it.each([
    [
      'an unbracketed minimum',
      { profiles: [profile(1e11, true), profile(2e11, false)] },
      'minima bracketed',
      /2\.0e\+11 lies outside the sizes run/,
    ],
    ['methods that disagree', { fits: [fit(2, 0.5, [0.45, 0.55]), fit(3, 0.7, [0.6, 0.8])] }, 'Approaches 2 and 3 agree', /do not overlap/],
    ['a missing Approach 3', { fits: [fit(2, 0.5, [0.45, 0.55])] }, 'Approaches 2 and 3 agree', /Approach 3 has no fit/],
    [
      'an Approach 3 that did not converge',
      { fits: [fit(2, 0.5, [0.45, 0.55]), fit(3, 0.5, [0.4, 0.6], false)] },
      'Approaches 2 and 3 agree',
      /Approach 3 did not converge/,
    ],
    [
      'an interval wider than ×3',
      { allocation: { params: 1e5, paramsInterval: [2e4, 3e5] as [number, number] } },
      'N_opt interval ≤ ×3',
      /×15\.00 wide/,
    ],
    ['no interval', { allocation: { params: 1e5 } }, 'N_opt interval ≤ ×3', /has no interval/],
  ])('fails on %s and says why', (_name, change, name, detail) => {
    const given = { ...good, ...change };
    const checks = demoChecks(given.profiles, given.fits, given.allocation);
    const failed = checks.filter((c) => !c.passed);
    expect(failed.map((c) => c.name)).toEqual([name]);
    expect(failed[0]!.detail).toMatch(detail);
  });

  it('adds the fit verdict to a failed check', () => {
    const untrusted = {
      ...fit(2, 0.5, [0.45, 0.55]),
      verdict: { trusted: false, reason: 'IntervalTooWide' as const, message: 'N_opt interval ×15', checks: [] },
    };
    const checks = demoChecks(good.profiles, [untrusted, good.fits[1]!], { params: 1e5, paramsInterval: [2e4, 3e5], method: 2 });
    expect(checks[2]!.detail).toMatch(/fit verdict: N_opt interval ×15/);
  });

  it('adds only the verdict of the fit the allocation came from, not another method’s', () => {
    const untrusted = {
      ...fit(2, 0.5, [0.45, 0.55]),
      verdict: { trusted: false, reason: 'IntervalTooWide' as const, message: 'N_opt interval ×15', checks: [] },
    };
    const checks = demoChecks(good.profiles, [untrusted, good.fits[1]!], { params: 1e5, paramsInterval: [2e4, 3e5], method: 3 });
    expect(checks[2]!.passed).toBe(false);
    expect(checks[2]!.detail).not.toMatch(/fit verdict/);
  });
});
