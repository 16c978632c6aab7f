import { KubeApiError } from './errors.js';
import type { KubeObject } from './types.js';

/** One requirement of a label selector (`app=web`, `tier in (a,b)`, `!canary`…). */
export interface LabelRequirement {
  readonly key: string;
  readonly operator: 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

/** Splits on commas that are not inside `( … )` (set-based requirements contain commas). */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

function checkKey(key: string, selector: string): string {
  if (!KEY.test(key)) {
    throw new KubeApiError('BadRequest', `unable to parse requirement: invalid label key "${key}" in selector "${selector}"`);
  }
  return key;
}

/**
 * Parses a label selector with the grammar of `k8s.io/apimachinery/pkg/labels`:
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` (exists), `!k` (does not exist), comma-separated.
 */
export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (!selector) return [];
  return splitTopLevel(selector).map((part) => {
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (set) {
      const values = set[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v.length > 0);
      return { key: checkKey(set[1]!, selector), operator: set[2] === 'in' ? 'In' : 'NotIn', values };
    }
    const notExists = /^!\s*(\S+)$/.exec(part);
    if (notExists) return { key: checkKey(notExists[1]!, selector), operator: 'DoesNotExist', values: [] };
    const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (equality) {
      return { key: checkKey(equality[1]!, selector), operator: equality[2] === '!=' ? 'NotEquals' : 'Equals', values: [equality[3]!] };
    }
    if (/^[^=!\s()]+$/.test(part)) return { key: checkKey(part, selector), operator: 'Exists', values: [] };
    throw new KubeApiError(
      'BadRequest',
      `unable to parse requirement: found '${part}', expected: key, !key, key=value, key!=value, key in (…), key notin (…)`,
    );
  });
}

/** True when the labels satisfy every requirement. */
export function matchesLabels(requirements: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const set = labels ?? {};
  return requirements.every((req) => {
    const has = Object.prototype.hasOwnProperty.call(set, req.key);
    const value = set[req.key];
    switch (req.operator) {
      case 'Equals':
        return has && value === req.values[0];
      case 'NotEquals':
        return !has || value !== req.values[0];
      case 'In':
        return has && req.values.includes(value!);
      case 'NotIn':
        return !has || !req.values.includes(value!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}

/** Converts a `LabelSelector` object (`matchLabels` + `matchExpressions`, as in Deployment specs) to requirements. */
export function requirementsFromLabelSelector(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
): LabelRequirement[] {
  if (!selector) return [];
  const reqs: LabelRequirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'Equals', values: [v] }));
  for (const expr of selector.matchExpressions ?? []) {
    const operator = ({ In: 'In', NotIn: 'NotIn', Exists: 'Exists', DoesNotExist: 'DoesNotExist' } as const)[expr.operator as 'In'];
    if (!operator)
      throw new KubeApiError('BadRequest', `unknown label selector operator "${expr.operator}"; accepted: In, NotIn, Exists, DoesNotExist`);
    reqs.push({ key: expr.key, operator, values: expr.values ?? [] });
  }
  return reqs;
}

/** Renders requirements back to the string form (`Scale.status.selector`). */
export function formatLabelSelector(requirements: readonly LabelRequirement[]): string {
  return requirements
    .map((r) => {
      switch (r.operator) {
        case 'Equals':
          return `${r.key}=${r.values[0]}`;
        case 'NotEquals':
          return `${r.key}!=${r.values[0]}`;
        case 'In':
          return `${r.key} in (${r.values.join(',')})`;
        case 'NotIn':
          return `${r.key} notin (${r.values.join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
      }
    })
    .join(',');
}

/** One requirement of a field selector: `path=value` or `path!=value`. */
export interface FieldRequirement {
  readonly path: string;
  readonly negate: boolean;
  readonly value: string;
}

/**
 * Parses a field selector (`metadata.name=x,involvedObject.kind=Pod,status.phase!=Running`). Any dotted path of the
 * object is accepted (the real server allows a per-kind list; kubectl only uses ones that exist there).
 */
export function parseFieldSelector(selector: string | undefined): FieldRequirement[] {
  if (!selector) return [];
  return selector
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((part) => {
      const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
      if (!m) throw new KubeApiError('BadRequest', `invalid field selector "${part}": expected field=value, field==value or field!=value`);
      return { path: m[1]!, negate: m[2] === '!=', value: m[3]! };
    });
}

function fieldValue(object: KubeObject, path: string): string {
  let cur: unknown = object;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

/** True when the object satisfies every field requirement (a missing field compares as the empty string). */
export function matchesFields(requirements: readonly FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((r) => (fieldValue(object, r.path) === r.value) !== r.negate);
}
