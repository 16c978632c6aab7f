/**
 * Resumable execution for `bench:science`: every finished run is written to `<dir>/runs/<id>.json` as soon as
 * it finishes, and a rerun trains only the runs without a file. (Each run also checkpoints inside its own
 * training, see `checkpointDirFor`, so an interrupted run resumes mid-way rather than from step 0.)
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlannedRun } from './science-plan.js';

/** What the benchmark keeps of a training run. */
export interface FinishedRun extends PlannedRun {
  readonly status: 'completed' | 'diverged';
  readonly finalLoss?: number;
  readonly finalLossStdError?: number;
  readonly evalTokens?: number;
  readonly nonEmbeddingExact: number;
  readonly tokensPerSecond: number;
  readonly wallSeconds: number;
  readonly repetitionFactor: number;
  readonly simulated: boolean;
}

export type TrainOne = (run: PlannedRun) => Promise<FinishedRun>;

export class RunStore {
  readonly runsDir: string;

  constructor(readonly dir: string) {
    this.runsDir = join(dir, 'runs');
    mkdirSync(this.runsDir, { recursive: true });
  }

  private fileOf(id: string): string {
    return join(this.runsDir, `${id}.json`);
  }

  /** The stored result of a run, if it finished earlier. */
  get(id: string): FinishedRun | undefined {
    const file = this.fileOf(id);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FinishedRun) : undefined;
  }

  /** Written to a temporary file and renamed, so an interruption never leaves half a result behind. */
  save(run: FinishedRun): void {
    const file = this.fileOf(run.id);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(run, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  all(): FinishedRun[] {
    return readdirSync(this.runsDir)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(this.runsDir, name), 'utf8')) as FinishedRun);
  }

  /** A small JSON value kept across reruns (the held-out allocation, so a rerun trains the same models). */
  readValue<T>(name: string): T | undefined {
    const file = join(this.dir, `${name}.json`);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
  }

  writeValue(name: string, value: unknown): void {
    writeFileSync(join(this.dir, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`);
  }
}

export interface ExecuteOptions {
  /** Runs trained at once (one per core). */
  readonly concurrency: number;
  readonly onFinished?: (run: FinishedRun, done: number, total: number, resumed: boolean) => void;
}

/**
 * Trains every planned run that has no stored result, `concurrency` at a time, storing each as it finishes.
 * Returns the results of all planned runs (stored and new) in plan order. A failure stops the remaining
 * runs from starting and rejects after the running ones settle; what finished is kept.
 */
export async function executeRuns(
  plan: readonly PlannedRun[],
  store: RunStore,
  train: TrainOne,
  options: ExecuteOptions,
): Promise<FinishedRun[]> {
  const results = new Map<string, FinishedRun>();
  const pending: PlannedRun[] = [];
  for (const run of plan) {
    const stored = store.get(run.id);
    if (stored) results.set(run.id, stored);
    else pending.push(run);
  }
  let done = 0;
  for (const run of results.values()) options.onFinished?.(run, ++done, plan.length, true);
  let failure: unknown;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < pending.length && failure === undefined) {
      const run = pending[next]!;
      next += 1;
      try {
        const finished = await train(run);
        store.save(finished);
        results.set(run.id, finished);
        done += 1;
        options.onFinished?.(finished, done, plan.length, false);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, pending.length)) }, lane));
  if (failure !== undefined) throw failure;
  return plan.map((run) => results.get(run.id)!);
}
