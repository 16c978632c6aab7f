import { RunState } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatPrecision, parseDuration, sweepEta } from './demo-progress.js';

describe('sweepEta', () => {
  it('counts finished runs and the trained part of running ones, and extrapolates the FLOP rate', () => {
    const eta = sweepEta(
      [
        { state: RunState.Succeeded, budgetFlops: 1e11 },
        { state: RunState.Diverged, budgetFlops: 1e11 },
        { state: RunState.Running, budgetFlops: 2e11, progress: { step: 50, totalSteps: 100 } as never },
        { state: RunState.Queued, budgetFlops: 2e11 },
        { state: RunState.Planned, budgetFlops: 4e11 },
      ],
      30,
    );
    expect(eta.doneFlops).toBeCloseTo(3e11, -3);
    expect(eta.remainingFlops).toBeCloseTo(7e11, -3);
    expect(eta.etaSeconds).toBeCloseTo(70, 6);
  });

  it('has no ETA before anything was trained', () => {
    expect(sweepEta([{ state: RunState.Queued, budgetFlops: 1e11 }], 10).etaSeconds).toBeUndefined();
  });
});

describe('durations', () => {
  it.each([
    ['10m', 600_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['600', 600_000],
    ['2.5m', 150_000],
  ])('parses %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', '0', '-5m', 'ten minutes', '10x', '0s'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());
  it('formats seconds for the progress line', () => {
    expect([formatDuration(42), formatDuration(75), formatDuration(3725)]).toEqual(['42s', '1m15s', '1h02m']);
  });
});

describe('formatPrecision', () => {
  it.each([
    [0.354, 0.5, 'N_opt ±35% (target ±50%)'],
    [3.51, 0.5, 'N_opt ±351% (target ±50%)'],
    [52208936.42, 0.5, 'N_opt > ±1000% (target ±50%)'],
    [0.2, undefined, 'N_opt ±20%'],
  ])('%s against %s → %s', (achieved, target, text) => {
    expect(formatPrecision(achieved, target)).toBe(text);
  });
});
