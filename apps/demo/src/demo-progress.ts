import { RunState, type RunRecord } from '@scaleplan/contracts';

/** How far a study's sweep is, in FLOPs, and when it should end at the rate seen so far. */
export interface SweepEta {
  /** FLOPs of finished runs plus the trained fraction of running ones. */
  readonly doneFlops: number;
  /** FLOPs still to train (planned, queued, and the rest of running runs). */
  readonly remainingFlops: number;
  /** Seconds to go at the FLOP rate so far; undefined before anything was trained. */
  readonly etaSeconds?: number;
}

/**
 * ETA of the runs planned so far (an adaptive study may add more): FLOPs are the honest unit of work
 * (a run's wall time grows with its budget, not with its count), and the rate is measured over the demo's
 * elapsed time, so it already includes the workers' start-up and every core in use.
 */
export function sweepEta(runs: readonly Pick<RunRecord, 'state' | 'budgetFlops' | 'progress'>[], elapsedSeconds: number): SweepEta {
  let done = 0;
  let remaining = 0;
  for (const run of runs) {
    if (run.state === RunState.Succeeded || run.state === RunState.Failed || run.state === RunState.Diverged) done += run.budgetFlops;
    else if (run.state === RunState.Running && run.progress && run.progress.totalSteps > 0) {
      const fraction = Math.min(1, run.progress.step / run.progress.totalSteps);
      done += fraction * run.budgetFlops;
      remaining += (1 - fraction) * run.budgetFlops;
    } else remaining += run.budgetFlops;
  }
  if (!(done > 0) || !(elapsedSeconds > 0)) return { doneFlops: done, remainingFlops: remaining };
  return { doneFlops: done, remainingFlops: remaining, etaSeconds: remaining / (done / elapsedSeconds) };
}

/** 75 → "1m15s"; 3725 → "1h02m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "10m", "90s", "1h30m", "600" (seconds) → milliseconds; undefined when it is not a positive duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) > 0 ? Number(trimmed) * 1000 : undefined;
  const match = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(trimmed);
  if (!match || trimmed === '') return undefined;
  const [, h, m, s] = match;
  const ms = (Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000;
  return ms > 0 ? ms : undefined;
}

/**
 * The precision of N_opt for the progress line, against its target: "N_opt ±35% (target ±50%)". An early fit's
 * half-width can be astronomically wide (±5e9%), which reads as a bug; past ±1000% it says "> ±1000%".
 */
export function formatPrecision(achievedHalfWidth: number, targetHalfWidth?: number): string {
  const achieved = achievedHalfWidth > 10 ? '> ±1000%' : `±${Math.round(100 * achievedHalfWidth)}%`;
  return `N_opt ${achieved}${targetHalfWidth !== undefined ? ` (target ±${Math.round(100 * targetHalfWidth)}%)` : ''}`;
}
