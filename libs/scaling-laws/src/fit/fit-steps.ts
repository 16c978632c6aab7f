/**
 * Long fits are written as generators that `yield` between units of work (a chunk of starts, a
 * bootstrap replicate, a leave-one-out refit). One code path then serves both callers: the CLI runs
 * the steps to the end synchronously, the control plane runs them with a pause every few steps so its
 * event loop keeps serving requests.
 */
export type FitSteps<T> = Generator<void, T, void>;

/** Runs the steps to the end, synchronously. */
export function runFitSteps<T>(steps: FitSteps<T>): T {
  let next = steps.next();
  while (!next.done) next = steps.next();
  return next.value;
}

/** How `runFitStepsAsync` gives the event loop its turn. */
export interface FitYieldOptions {
  /** steps between pauses. @default 1 */
  readonly yieldEvery?: number;
  /** the pause. @default setImmediate (lets pending I/O run) */
  readonly pause?: () => Promise<void>;
}

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the steps to the end, pausing every `yieldEvery` steps. */
export async function runFitStepsAsync<T>(steps: FitSteps<T>, options: FitYieldOptions = {}): Promise<T> {
  const every = Math.max(1, Math.floor(options.yieldEvery ?? 1));
  const pause = options.pause ?? nextTick;
  let count = 0;
  let next = steps.next();
  while (!next.done) {
    if (++count % every === 0) await pause();
    next = steps.next();
  }
  return next.value;
}
