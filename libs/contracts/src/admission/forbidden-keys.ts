/**
 * The path of the first `__proto__` key in a parsed document, or undefined. JSON.parse and the YAML parser keep
 * such a key as plain data, but schemas drop it without a word (a label named `__proto__` would vanish), and any
 * code that copies it by assignment would change a prototype. So it is refused, by name, wherever it sits.
 * Iterative (an explicit stack): request bodies may be nested far deeper than the call stack allows.
 */
export function findPrototypeKey(value: unknown): string | undefined {
  const pending: [unknown, string][] = [[value, '']];
  while (pending.length > 0) {
    const [node, path] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    for (const key of Object.keys(node)) {
      const at = path === '' ? key : `${path}.${key}`;
      if (key === '__proto__') return at;
      pending.push([(node as Record<string, unknown>)[key], at]);
    }
  }
  return undefined;
}
