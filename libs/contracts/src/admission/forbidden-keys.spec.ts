import { describe, expect, it } from 'vitest';
import { findPrototypeKey } from './forbidden-keys.js';
import { parseYamlDocuments } from './yaml-input.js';

describe('findPrototypeKey', () => {
  it('finds a __proto__ key at any depth, with its path', () => {
    expect(findPrototypeKey(JSON.parse('{"metadata":{"labels":{"__proto__":"x"}}}'))).toBe('metadata.labels.__proto__');
    expect(findPrototypeKey(JSON.parse('{"spec":{"list":[{"__proto__":{}}]}}'))).toBe('spec.list.0.__proto__');
  });

  it('finds it in parsed YAML too (the parser keeps it as an own key, not as a prototype)', () => {
    const parsed = parseYamlDocuments('spec:\n  __proto__: { flops: 1e21 }\n');
    expect(parsed.ok && findPrototypeKey(parsed.documents[0])).toBe('spec.__proto__');
  });

  it('accepts documents without one, constructor and prototype included (they are plain data)', () => {
    expect(findPrototypeKey({ constructor: { prototype: 1 }, a: [1, { b: null }] })).toBeUndefined();
    expect(findPrototypeKey('text')).toBeUndefined();
  });

  it('walks documents deeper than the call stack', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(100_000)}{"__proto__":1}${'}'.repeat(100_000)}`) as unknown;
    expect(findPrototypeKey(deep)).toMatch(/\.__proto__$/);
  });
});
