import { LanguageModelError } from '../errors.js';

export const TokenizerKind = { Byte: 'byte', Char: 'char' } as const;
export type TokenizerKind = (typeof TokenizerKind)[keyof typeof TokenizerKind];

/** Text → token ids. Losses are in nats per token of this tokenizer; a study uses one tokenizer throughout. */
export interface Tokenizer {
  readonly kind: TokenizerKind;
  readonly vocabSize: number;
  encode(text: string): Uint16Array;
}

/** UTF-8 bytes, vocabulary 256: needs no fitting and covers any text. */
export const byteTokenizer: Tokenizer = {
  kind: TokenizerKind.Byte,
  vocabSize: 256,
  encode: (text) => Uint16Array.from(Buffer.from(text, 'utf8')),
};

/** A character vocabulary fitted on the corpus (sorted code points, so it is deterministic). */
export function charTokenizerFor(text: string): Tokenizer {
  const alphabet = [...new Set(Array.from(text))].sort();
  if (alphabet.length > 65_535) throw new LanguageModelError('InvalidInput', `character vocabulary too large (${alphabet.length})`);
  const index = new Map(alphabet.map((char, i) => [char, i]));
  return {
    kind: TokenizerKind.Char,
    vocabSize: alphabet.length,
    encode: (input) => {
      const chars = Array.from(input);
      const ids = new Uint16Array(chars.length);
      chars.forEach((char, i) => {
        const id = index.get(char);
        if (id === undefined) throw new LanguageModelError('InvalidInput', `character ${JSON.stringify(char)} is not in the vocabulary`);
        ids[i] = id;
      });
      return ids;
    },
  };
}

export function tokenizerFor(kind: string, text: string): Tokenizer {
  if (kind === TokenizerKind.Byte) return byteTokenizer;
  if (kind === TokenizerKind.Char) return charTokenizerFor(text);
  throw new LanguageModelError('InvalidInput', `tokenizer must be one of byte, char; got ${JSON.stringify(kind)}`);
}
