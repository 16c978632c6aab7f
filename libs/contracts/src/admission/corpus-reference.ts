import { z } from 'zod';
import { ADMISSION_LIMITS } from './admission-limits.js';

/** Corpora the workers ship with (npm packages of public-domain text). */
const BUILT_IN_CORPORA = ['moby-dick', 'sotu'] as const;

/** The environment variable naming the directory whose files studies may train on (workers; docs/worker.md). */
export const DATA_DIR_ENV = 'SCALEPLAN_DATA_DIR';

/** What a corpus reference names: a built-in corpus, or a file or directory under the workers' data directory. */
export type CorpusReference =
  | { readonly kind: 'built-in'; readonly name: (typeof BUILT_IN_CORPORA)[number] }
  | { readonly kind: 'data-file'; readonly relativePath: string };

// Segments of letters, digits, '_', '-' and '.', never starting with '.', so '.', '..' and hidden files cannot be named.
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
/** The same rule as one pattern, for the CRD schema (the API server checks it; parseCorpusReference gives the reason). */
export const CORPUS_PATTERN = `^(${BUILT_IN_CORPORA.join('|')}|[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*)$`;

const CORPUS_RULE = `${BUILT_IN_CORPORA.join(', ')}, or a path relative to the workers' data directory (${DATA_DIR_ENV}): segments of letters, digits, '_', '-' and '.' separated by '/', none starting with '.', at most ${ADMISSION_LIMITS.maxCorpusPathLength} characters`;

/**
 * Reads a corpus reference, or says why it is refused. Lexical only (no filesystem access): the same check
 * runs at admission and in the worker, which then confines the path to its data directory on disk.
 */
export function parseCorpusReference(reference: string): { ok: true; corpus: CorpusReference } | { ok: false; reason: string } {
  if ((BUILT_IN_CORPORA as readonly string[]).includes(reference))
    return { ok: true, corpus: { kind: 'built-in', name: reference as (typeof BUILT_IN_CORPORA)[number] } };
  const refuse = (why: string) => ({
    ok: false as const,
    reason: `corpus ${JSON.stringify(reference.slice(0, 80))} ${why}; use ${CORPUS_RULE}`,
  });
  if (reference.length === 0) return refuse('is empty');
  if (reference.length > ADMISSION_LIMITS.maxCorpusPathLength) return refuse('is too long');
  if (reference.startsWith('/') || /^[A-Za-z]:/.test(reference)) return refuse('is an absolute path, which workers do not open');
  const segments = reference.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) return refuse("leaves the data directory ('.' or '..')");
  if (!segments.every((segment) => SEGMENT.test(segment))) return refuse('is not a plain relative path');
  return { ok: true, corpus: { kind: 'data-file', relativePath: reference } };
}

/** `model.corpus` and the job payload's `corpus`: the same rule at admission and in the worker. */
export const corpusReferenceSchema = z
  .string()
  .superRefine((reference, ctx) => {
    const parsed = parseCorpusReference(reference);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
  })
  .meta({ pattern: CORPUS_PATTERN, maxLength: ADMISSION_LIMITS.maxCorpusPathLength });
