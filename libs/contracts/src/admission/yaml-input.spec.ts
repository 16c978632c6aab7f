import { describe, expect, it } from 'vitest';
import { REQUEST_LIMITS } from './admission-limits.js';
import { parseYamlDocuments } from './yaml-input.js';

/** "Billion laughs": each level aliases the previous one nine times (9^levels leaves when expanded). */
const aliasBomb = (levels: number): string => {
  const rows = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++)
    rows.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return rows.join('\n');
};

const reasonOf = (text: string, maxDocuments?: number): string => {
  const parsed = parseYamlDocuments(text, maxDocuments === undefined ? {} : { maxDocuments });
  if (parsed.ok) throw new Error(`expected a refusal, got ${JSON.stringify(parsed.documents).slice(0, 100)}`);
  return parsed.reason;
};

describe('parseYamlDocuments', () => {
  it('parses documents into plain values and drops empty ones', () => {
    expect(parseYamlDocuments('a: 1\n---\n---\nb: [x, y]\n')).toEqual({ ok: true, documents: [{ a: 1 }, { b: ['x', 'y'] }] });
  });

  it('refuses an alias bomb without expanding it', () => {
    expect(reasonOf(aliasBomb(9))).toMatch(/resource exhaustion|aliases/);
    // Few aliases, each expanding a large node: the parser's own alias-count cap.
    expect(reasonOf(aliasBomb(6))).toMatch(/resource exhaustion/);
  });

  it.each([
    ['more anchors than accepted', Array.from({ length: 101 }, (_, i) => `k${i}: &a${i} 1`).join('\n'), /more than 100 anchors/],
    ['more aliases than accepted', `a: &a 1\nb: [${Array(101).fill('*a').join(', ')}]`, /more than 100 aliases/],
    ['deep flow nesting', '['.repeat(100_000), /deeper than 64 levels/],
    ['deep flow maps', '{a: '.repeat(65) + '1' + '}'.repeat(65), /deeper than 64 levels/],
    ['a duplicate key', 'spec:\n  flops: 1\n  flops: 2\n', /key "flops" appears twice/],
    ['a collection as a key', '? [a, b]\n: 1\n', /keys must be plain strings/],
    ['an undefined alias', 'a: *nope\n', /nope/],
    ['a syntax error', 'a: [1, 2\n', /.+/],
    ['an unresolved tag', 'spec: !exec { flops: 1 }\n', /Unresolved tag: !exec/],
    ['text over the size limit', `a: "${'x'.repeat(REQUEST_LIMITS.maxYamlBytes)}"`, /larger than the 131072 bytes accepted/],
  ])('refuses %s with a reason', (_what, text, reason) => {
    expect(reasonOf(text)).toMatch(reason);
  });

  it('refuses more documents than asked for, before parsing them', () => {
    expect(reasonOf('a: 1\n---\nb: 2\n---\nc: 3\n', 2)).toMatch(/documents; at most 2 are accepted/);
  });

  it.each([
    ['block sequences', '- '.repeat(30_000) + 'x\n'],
    ['block mappings', Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1\n'],
    ['flow collections', '['.repeat(50_000) + ']'.repeat(50_000)],
  ])('refuses deeply nested %s before building them (the stack would overflow)', (_what, text) => {
    expect(reasonOf(text)).toMatch(/deeper than 64 levels/);
  });

  it('keeps a __proto__ key as data, never as a prototype', () => {
    const parsed = parseYamlDocuments('__proto__: { polluted: 1 }\nname: x\n');
    expect(parsed.ok).toBe(true);
    const value = (parsed as { documents: Record<string, unknown>[] }).documents[0]!;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
  });

  it('counts flow brackets inside quoted strings as text', () => {
    expect(parseYamlDocuments(`a: "${'['.repeat(200)}"\n`)).toEqual({ ok: true, documents: [{ a: '['.repeat(200) }] });
  });
});
