// The one way tests reach the published data (/work/shared/data: Epoch AI's extraction of the Chinchilla runs).
// Its licence forbids shipping it, so a fresh clone may not have it: tests that read it are then skipped with the
// reason, which scripts/run-tests.mjs prints in its summary line. Under CI (CI set) they run and fail instead, so a
// missing checkout of the data can never pass silently there.
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestOptions } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** Why the test was skipped; scripts/run-tests.mjs groups skipped tests by it in the summary line. */
    skipReason?: string;
  }
}

/** Environment variable naming the folder that holds the published data files. */
export const SHARED_DATA_ENV = 'SCALEPLAN_SHARED_DATA';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The data folder: $SCALEPLAN_SHARED_DATA (relative to the working directory), else ../shared/data beside the checkout. */
export function sharedDataDir(): string {
  const configured = process.env[SHARED_DATA_ENV];
  if (configured) return isAbsolute(configured) ? configured : resolve(configured);
  return join(repoRoot, '..', 'shared', 'data');
}

/** Absolute path of one published data file (whether or not it is there). */
export const sharedDataFile = (name: string): string => join(sharedDataDir(), name);

/** Why the given data files cannot be read, or undefined when they are all there. */
export function missingSharedData(...names: string[]): string | undefined {
  const missing = names.map(sharedDataFile).filter((path) => !existsSync(path));
  if (missing.length === 0) return undefined;
  return `published data missing (${missing.join(', ')}): set ${SHARED_DATA_ENV} to the folder holding it, or place it at ../shared/data beside the checkout`;
}

const underCi = (): boolean => Boolean(process.env.CI) && process.env.CI !== 'false';

/**
 * Options for a describe() or it() whose tests read the given data files: skip them, with the reason recorded
 * for the summary, when a file is missing — except under CI, where they run and fail on the missing file.
 */
export function needsSharedData(...names: string[]): TestOptions {
  const reason = missingSharedData(...names);
  if (reason === undefined || underCi()) return {};
  return { skip: true, meta: { skipReason: reason } };
}

/** Reads a data file's path for a loader, failing with the same explanation as the skip when it is missing. */
export function requireSharedDataFile(name: string): string {
  const reason = missingSharedData(name);
  if (reason !== undefined) throw new Error(reason);
  return sharedDataFile(name);
}
