import { describe, expect, it } from 'vitest';
import type { FitDiagnostics } from './fit-diagnostics.js';
import { trustChecks, trustVerdict } from './trust-verdict.js';

/** Diagnostics of a sound Approach-3 fit; each test breaks one thing. */
const sound: FitDiagnostics = {
  method: 3,
  runs: 40,
  converged: true,
  evidence: { count: 40, minimum: 10, unit: 'runs' },
  budgets: [
    { flops: 1e19, runs: 8, sizes: 8, sampledParams: { min: 1e8, max: 1e9 }, minimumParams: 3e8, bracketed: true, withinMargin: true },
  ],
  irreducibleLoss: { value: 1.8, lowestLoss: 2.1, collapsed: false },
  exponents: { a: 0.51, b: 0.49, alpha: 0.35, beta: 0.37 },
  aInterval: { lower: 0.49, median: 0.51, upper: 0.53 },
  nOpt: [{ flops: 1e24, params: 1e11, interval: { lower: 8e10, median: 1e11, upper: 1.3e11 }, ratio: 1.3e11 / 8e10 }],
  bootstrap: { resamples: 100, succeeded: 100 },
  agreement: [{ method: 2, a: 0.5, aInterval: { lower: 0.47, median: 0.5, upper: 0.52 }, agrees: true }],
  influence: null,
};
const verdictOf = (d: Partial<FitDiagnostics>) => trustVerdict(trustChecks({ ...sound, ...d }));

describe('trust verdict', () => {
  it('trusts a sound fit and lists every check it made', () => {
    const verdict = verdictOf({});
    expect(verdict).toMatchObject({ trusted: true, reason: 'Trusted' });
    expect(verdict.checks.every((c) => c.passed)).toBe(true);
  });

  it.each([
    [
      'MethodsDisagree',
      { agreement: [{ method: 2 as const, a: 0.6, aInterval: { lower: 0.56, median: 0.6, upper: 0.64 }, agrees: false }] },
      /Approach 2 gives a = 0.600 \[0.560, 0.640\], which does not overlap/,
    ],
    [
      'IntervalTooWide',
      { aInterval: { lower: 0.35, median: 0.5, upper: 0.62 } },
      /a interval \[0.350, 0.620\] is 0.270 wide \(at most 0.2\)/,
    ],
    [
      'IntervalTooWide',
      { nOpt: [{ flops: 1e24, params: 1e11, interval: { lower: 2e10, median: 1e11, upper: 4e11 }, ratio: 20 }] },
      /N_opt\(1.00e\+24\) interval .* spans 20.0× \(at most 4×\)/,
    ],
    ['IllConditioned', { irreducibleLoss: { value: 1.9e-13, lowestLoss: 3.1, collapsed: true } }, /E collapsed to 1.90e-13/],
    [
      'IllConditioned',
      { exponents: { a: 0.955, b: 0.045, alpha: 0.02, beta: 0.4 } },
      /implausible exponents: a = 0.955 ∉ \[0.2, 0.8\], b = 0.0450 ∉ \[0.2, 0.8\], α = 0.0200 ∉ \[0.05, 1.5\]/,
    ],
    ['IllConditioned', { bootstrap: { resamples: 100, succeeded: 30 } }, /30\/100 bootstrap replicates converged/],
    ['InsufficientEvidence', { evidence: { count: 7, minimum: 10, unit: 'runs' } }, /7 runs \(a trustworthy Approach 3 fit needs ≥ 10\)/],
    [
      'NotConverged',
      { converged: false, convergenceNote: 'no start met the stopping test' },
      /did not converge: no start met the stopping test/,
    ],
  ])('%s with the reason in the message', (reason, broken, message) => {
    const verdict = verdictOf(broken);
    expect(verdict).toMatchObject({ trusted: false, reason });
    expect(verdict.message).toMatch(message);
  });

  it('names the most fundamental failure when several checks fail', () => {
    const verdict = verdictOf({
      evidence: { count: 7, minimum: 10, unit: 'runs' },
      irreducibleLoss: { value: 1e-13, lowestLoss: 3, collapsed: true },
      aInterval: { lower: 0.1, median: 0.5, upper: 0.9 },
    });
    expect(verdict.reason).toBe('InsufficientEvidence');
    expect(verdict.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual([
      'enoughRuns',
      'irreducibleLossCollapsed',
      'aIntervalWidth',
    ]);
  });

  it('an unbracketed minimum blocks Approach 2 and only warns for Approach 3', () => {
    const budgets = [{ ...sound.budgets[0]!, minimumParams: 3e9, bracketed: false, withinMargin: false }];
    expect(verdictOf({ method: 2, budgets, irreducibleLoss: undefined }).reason).toBe('MinimumNotBracketed');
    const three = verdictOf({ budgets });
    expect(three.trusted).toBe(true);
    expect(three.checks.find((c) => c.name === 'minimumBracketed')).toMatchObject({ passed: false, severity: 'warning' });
  });

  it('influential runs warn and do not block', () => {
    const verdict = verdictOf({
      influence: {
        flops: 1e24,
        a: 0.565,
        nOpt: 1.62e11,
        leaveOneOut: [],
        outliers: null,
        flagged: ['svg-0', 'svg-1'],
        note: 'without them …',
      },
    });
    expect(verdict.trusted).toBe(true);
    expect(verdict.message).toMatch(/Trusted, with warnings: 2 run\(s\) move the answer beyond its interval/);
  });
});
