import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DATA_DIR_ENV, parseCorpusReference } from '@scaleplan/contracts';

/** Why a run's corpus cannot be opened; permanent (a retry gets the same answer), so the job fails without retries. */
export class CorpusRefusedError extends Error {
  override readonly name = 'CorpusRefusedError';
}

/**
 * The corpus argument the trainer gets for a job's corpus reference: a built-in name as is, or the real path of
 * a file or directory inside `dataDir`. Checked here, before anything is opened, even though admission checked
 * the same reference: a job payload can come from anywhere that writes to the queue. The path is resolved
 * through symbolic links and must still lie inside the data directory. (A directory corpus reads only the
 * regular files under it; the loader skips links.)
 * @throws CorpusRefusedError naming the reference and what is accepted
 */
export function resolveCorpusForWorker(reference: string, dataDir: string | undefined): string {
  const parsed = parseCorpusReference(reference);
  if (!parsed.ok) throw new CorpusRefusedError(parsed.reason);
  if (parsed.corpus.kind === 'built-in') return parsed.corpus.name;
  if (!dataDir)
    throw new CorpusRefusedError(
      `corpus ${JSON.stringify(reference)} is a file of the data directory, but this worker has none: set ${DATA_DIR_ENV} to the directory that holds it`,
    );
  let root: string;
  try {
    root = realpathSync(dataDir);
  } catch (error) {
    throw new CorpusRefusedError(`the data directory ${DATA_DIR_ENV}=${dataDir} cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let target: string;
  try {
    target = realpathSync(resolve(root, parsed.corpus.relativePath));
  } catch (error) {
    throw new CorpusRefusedError(`corpus ${JSON.stringify(reference)} does not exist in the data directory ${root}`, { cause: error });
  }
  const inside = relative(root, target);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside))
    throw new CorpusRefusedError(`corpus ${JSON.stringify(reference)} leads outside the data directory ${root} (through a symbolic link)`);
  const stats = statSync(target);
  if (!stats.isFile() && !stats.isDirectory())
    throw new CorpusRefusedError(`corpus ${JSON.stringify(reference)} is neither a file nor a directory`);
  return target;
}
