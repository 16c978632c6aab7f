import { describe, expect, it } from 'vitest';
import { compareSortKeys, pageOf, type SortKey } from './list-page.js';

const names = ['d', 'a', 'c', 'b', 'e'];
const byName = (name: string): SortKey => [name];

describe('pageOf', () => {
  it('walks the whole list in order, each item once', () => {
    const seen: string[] = [];
    let after: SortKey | undefined;
    for (;;) {
      const page = pageOf(names, byName, { limit: 2, ...(after ? { after } : {}) });
      seen.push(...page.items);
      if (!page.next) break;
      expect(page.remaining).toBe(names.length - seen.length);
      after = page.next;
    }
    expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('continues by position when the item the token names was deleted, and sees items created after it', () => {
    const first = pageOf(names, byName, { limit: 2 });
    const changed = ['a', 'c', 'd', 'e', 'bb'].filter((n) => n !== 'b');
    expect(pageOf(changed, byName, { limit: 10, after: first.next! }).items).toEqual(['bb', 'c', 'd', 'e']);
  });

  it('has no next token on the last page, nor for an empty list', () => {
    expect(pageOf(names, byName, { limit: 5 })).toEqual({ items: ['a', 'b', 'c', 'd', 'e'], remaining: 0 });
    expect(pageOf([], byName, { limit: 5 })).toEqual({ items: [], remaining: 0 });
  });
});

describe('compareSortKeys', () => {
  it.each([
    [[1e17, 5], [1e18, 1], -1],
    [['a', 'x'], ['a-b', 'x'], -1], // namespace first: 'a' < 'a-b', although 'a/x' > 'a-b/x' as strings
    [[2, 'r'], [2, 'r'], 0],
    [['a'], ['a', 'b'], -1],
  ] as const)('%j vs %j → %i', (a, b, sign) => {
    expect(Math.sign(compareSortKeys(a, b))).toBe(sign);
  });
});
