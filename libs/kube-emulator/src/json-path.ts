import { KubeApiError } from './errors.js';

type Step =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | {
      readonly kind: 'filter';
      readonly path: readonly string[];
      readonly negate: boolean;
      readonly value: string | number | boolean | undefined;
    };

const stepCache = new Map<string, readonly Step[]>();

function parseLiteral(raw: string): string | number | boolean {
  const t = raw.trim();
  if (/^(["']).*\1$/.test(t)) return t.slice(1, -1);
  if (t === 'true' || t === 'false') return t === 'true';
  const n = Number(t);
  if (t !== '' && Number.isFinite(n)) return n;
  return t;
}

/**
 * Parses the JSONPath subset used by CRD `additionalPrinterColumns` and `kubectl -o jsonpath`:
 * `.a.b`, `.a['b.c']`, `.a[0]`, `.a[*].b`, `.a[?(@.type=="Ready")].status`, `[?(@.x != "y")]`, `[?(@.x)]`, `{…}` braces.
 */
export function parseJsonPath(expression: string): readonly Step[] {
  const cached = stepCache.get(expression);
  if (cached) return cached;
  let src = expression.trim();
  if (src.startsWith('{') && src.endsWith('}')) src = src.slice(1, -1).trim();
  if (src.startsWith('$')) src = src.slice(1);
  const steps: Step[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new KubeApiError('BadRequest', `invalid JSONPath "${expression}": ${why}`);
  };
  while (i < src.length) {
    const ch = src[i];
    if (ch === '.') {
      i += 1;
      let key = '';
      while (i < src.length && src[i] !== '.' && src[i] !== '[') {
        if (src[i] === '\\' && i + 1 < src.length) i += 1; // `.metadata.labels.app\.kubernetes\.io/name`
        key += src[i];
        i += 1;
      }
      if (key === '*') steps.push({ kind: 'wildcard' });
      else if (key) steps.push({ kind: 'key', key });
    } else if (ch === '[') {
      const end = src.indexOf(']', src.startsWith('[?(', i) ? src.indexOf(')', i) : i);
      if (end < 0) fail('unclosed "["');
      const inner = src.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'wildcard' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^(["']).*\1$/.test(inner)) steps.push({ kind: 'key', key: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const body = inner.slice(2, -1).trim();
        const m = /^@((?:\.[A-Za-z0-9_-]+)+)\s*(?:(==|!=)\s*(.+))?$/.exec(body);
        if (!m) fail(`unsupported filter "${body}"`);
        const path = m![1]!.split('.').slice(1);
        steps.push({ kind: 'filter', path, negate: m![2] === '!=', value: m![3] === undefined ? undefined : parseLiteral(m![3]) });
      } else fail(`unsupported subscript "[${inner}]"`);
    } else fail(`unexpected "${ch}" at ${i}`);
  }
  stepCache.set(expression, steps);
  return steps;
}

function get(value: unknown, path: readonly string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Evaluates a JSONPath against an object and returns every match (empty when nothing matches). */
export function evaluateJsonPath(object: unknown, expression: string): unknown[] {
  let current: unknown[] = [object];
  for (const step of parseJsonPath(expression)) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || value === undefined) continue;
      switch (step.kind) {
        case 'key':
          if (typeof value === 'object' && !Array.isArray(value)) {
            const v = (value as Record<string, unknown>)[step.key];
            if (v !== undefined) next.push(v);
          }
          break;
        case 'index':
          if (Array.isArray(value)) {
            const v = value[step.index < 0 ? value.length + step.index : step.index];
            if (v !== undefined) next.push(v);
          }
          break;
        case 'wildcard':
          if (Array.isArray(value)) next.push(...value);
          else if (typeof value === 'object') next.push(...Object.values(value as object));
          break;
        case 'filter':
          if (Array.isArray(value)) {
            for (const element of value) {
              const v = get(element, step.path);
              const ok =
                step.value === undefined ? v !== undefined : (v === step.value || String(v) === String(step.value)) !== step.negate;
              if (ok) next.push(element);
            }
          }
          break;
      }
    }
    current = next;
  }
  return current;
}
