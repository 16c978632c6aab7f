import { Composer, CST, isMap, isScalar, Lexer, Parser, visit, type Document } from 'yaml';
import { REQUEST_LIMITS } from './admission-limits.js';

/** YAML text turned into plain values, or the first reason it cannot be. */
export type YamlInput = { ok: true; documents: unknown[] } | { ok: false; reason: string };

/** Options of {@link parseYamlDocuments}. */
export interface YamlInputOptions {
  /** Most documents accepted. @default REQUEST_LIMITS.maxYamlDocuments */
  readonly maxDocuments?: number;
}

const firstLine = (message: string): string => message.split('\n')[0] ?? message;

/**
 * Parses untrusted YAML (request bodies, `scaleplan submit` files) into plain values without letting its
 * structure cost more than its size. The yaml library builds values recursively: a deeply nested document
 * overflows the stack, and V8 may then abort the whole process instead of throwing (seen with 30,000 nested
 * `- `). So the text is bounded in bytes, parsed to its syntax tree (iteratively), and the tree is checked —
 * nesting depth, anchors, aliases, documents — before any value is built; alias expansion is capped again when
 * values are built (the "billion laughs" document); duplicate keys are found in one pass (the library's own
 * check is quadratic in the keys of a mapping); and every failure becomes a reason, never an exception.
 * Empty documents are dropped.
 */
export function parseYamlDocuments(text: string, options: YamlInputOptions = {}): YamlInput {
  const maxDocuments = options.maxDocuments ?? REQUEST_LIMITS.maxYamlDocuments;
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > REQUEST_LIMITS.maxYamlBytes)
    return { ok: false, reason: `YAML of ${bytes} bytes is larger than the ${REQUEST_LIMITS.maxYamlBytes} bytes accepted` };
  let tokens: CST.Token[];
  let documents: Document.Parsed[];
  try {
    // The parser's cost grows faster than linearly with flow nesting (seconds for 100 KB of `[`): count it first.
    const flow = flowDepthProblem(text);
    if (flow) return { ok: false, reason: flow };
    tokens = Array.from(new Parser().parse(text));
    const structure = checkStructure(tokens, maxDocuments);
    if (structure) return { ok: false, reason: structure };
    documents = Array.from(new Composer({ uniqueKeys: false }).compose(tokens, true, text.length));
  } catch (error) {
    return { ok: false, reason: `YAML cannot be parsed: ${firstLine((error as Error).message)}` };
  }
  const values: unknown[] = [];
  for (const [index, document] of documents.entries()) {
    const where = maxDocuments > 1 ? `document ${index + 1}: ` : '';
    // Warnings are errors here: an unresolved tag (`!exec {…}`) would otherwise be read as the plain value under it.
    const error = document.errors[0] ?? document.warnings[0];
    if (error) return { ok: false, reason: `${where}${firstLine(error.message)}` };
    const keys = duplicateOrComplexKey(document);
    if (keys) return { ok: false, reason: `${where}${keys}` };
    try {
      const value = document.toJS({ maxAliasCount: REQUEST_LIMITS.maxYamlAliases }) as unknown;
      if (value !== null && value !== undefined) values.push(value);
    } catch (caught) {
      return { ok: false, reason: `${where}${firstLine((caught as Error).message)}` };
    }
  }
  return { ok: true, documents: values };
}

/** Lexer pass (linear): flow collections nested past the limit. Brackets inside quoted strings are not tokens. */
function flowDepthProblem(text: string): string | undefined {
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-seq-start' || type === 'flow-map-start') {
      if (++depth > REQUEST_LIMITS.maxYamlDepth)
        return `YAML nests collections deeper than ${REQUEST_LIMITS.maxYamlDepth} levels; a resource needs fewer than 10`;
    } else if (type === 'flow-seq-end' || type === 'flow-map-end') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

/** One pass over the syntax tree (an explicit stack, no recursion): documents, nesting depth, anchors, aliases. */
function checkStructure(tokens: readonly CST.Token[], maxDocuments: number): string | undefined {
  let documents = 0;
  let anchors = 0;
  let aliases = 0;
  const pending: [CST.Token | null | undefined, number][] = [];
  const countAnchors = (props: readonly CST.Token[] | undefined): void => {
    for (const prop of props ?? []) if (prop.type === 'anchor') anchors += 1;
  };
  for (const token of tokens) {
    if (token.type !== 'document') continue;
    if (++documents > maxDocuments) return `YAML has more than ${maxDocuments} documents; at most ${maxDocuments} are accepted`;
    countAnchors(token.start);
    pending.push([token.value, 0]);
  }
  while (pending.length > 0) {
    const [token, depth] = pending.pop()!;
    if (!token) continue;
    if (token.type === 'alias') aliases += 1;
    else if (token.type === 'block-scalar') countAnchors(token.props);
    else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > REQUEST_LIMITS.maxYamlDepth)
        return `YAML nests collections deeper than ${REQUEST_LIMITS.maxYamlDepth} levels; a resource needs fewer than 10`;
      for (const item of token.items) {
        countAnchors(item.start);
        countAnchors(item.sep);
        pending.push([item.key, depth + 1], [item.value, depth + 1]);
      }
    }
    if (anchors > REQUEST_LIMITS.maxYamlAnchors)
      return `YAML has more than ${REQUEST_LIMITS.maxYamlAnchors} anchors (&name); a resource needs none`;
    if (aliases > REQUEST_LIMITS.maxYamlAliases)
      return `YAML has more than ${REQUEST_LIMITS.maxYamlAliases} aliases (*name); a resource needs none`;
  }
  return undefined;
}

/** The first mapping key that repeats, or that is not a plain scalar (JSON has neither). */
function duplicateOrComplexKey(document: Document.Parsed): string | undefined {
  let problem: string | undefined;
  visit(document, {
    Map(_, map) {
      if (!isMap(map)) return undefined;
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) {
          problem = 'mapping keys must be plain strings, not collections or aliases';
          return visit.BREAK;
        }
        const key = String(pair.key.value);
        if (seen.has(key)) {
          problem = `key ${JSON.stringify(key.slice(0, 80))} appears twice in one mapping`;
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return problem;
}
