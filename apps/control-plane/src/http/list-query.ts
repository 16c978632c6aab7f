import { z } from 'zod';
import { ControlPlaneError } from '../control-plane.errors.js';
import type { ListPage, ListPageRequest, SortKey } from '../resources/list-page.js';

/** Largest `limit` a list accepts. */
export const MAX_LIST_LIMIT = 1000;

const TOKEN_VERSION = 1;
const tokenSchema = z.object({
  v: z.literal(TOKEN_VERSION),
  list: z.string(),
  after: z
    .array(z.union([z.string().max(512), z.number().finite()]))
    .min(1)
    .max(4),
});
const limitSchema = z.coerce.number().int().min(1).max(MAX_LIST_LIMIT);

/** `metadata` of a list response, as the Kubernetes API writes it. */
export interface ListMetadata {
  /** Opaque token for the next page; absent on the last page. */
  readonly continue?: string;
  /** Items after this page; present with `continue`. */
  readonly remainingItemCount?: number;
}

/**
 * The continue token of `list` after `after`: opaque to clients (base64url JSON), bound to the list it
 * came from (kind, namespace scope) so it cannot be replayed against another.
 */
export const encodeContinueToken = (list: string, after: SortKey): string =>
  Buffer.from(JSON.stringify({ v: TOKEN_VERSION, list, after })).toString('base64url');

/**
 * Reads `?limit=&continue=` of a list request, following the Kubernetes API: no `limit` means the whole
 * list. Returns undefined for an unpaged list. A `limit` that is not an integer from 1 to 1000, a
 * `continue` without a `limit`, or a token that is malformed or belongs to another list is a 400
 * naming the parameter (we chose 400 over 410: our tokens name a position, not a snapshot, so they never
 * expire; only a broken token is refused).
 */
export function parseListQuery(query: { limit?: unknown; continue?: unknown }, list: string): ListPageRequest | undefined {
  const hasLimit = query.limit !== undefined && query.limit !== '';
  const hasContinue = query.continue !== undefined && query.continue !== '';
  if (!hasLimit && !hasContinue) return undefined;
  if (!hasLimit) throw invalid('continue', 'needs limit as well (pass the limit of the first page again)');
  const limit = limitSchema.safeParse(Array.isArray(query.limit) ? query.limit[0] : query.limit);
  if (!limit.success) throw invalid('limit', `must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${String(query.limit)}`);
  if (!hasContinue) return { limit: limit.data };
  return { limit: limit.data, after: decodeContinueToken(query.continue, list) };
}

/** `metadata` for a page: the next token when more items follow. */
export function listMetadata<T>(page: ListPage<T>, list: string): ListMetadata {
  return page.next ? { continue: encodeContinueToken(list, page.next), remainingItemCount: page.remaining } : {};
}

function decodeContinueToken(raw: unknown, list: string): SortKey {
  let parsed: z.infer<typeof tokenSchema> | undefined;
  if (typeof raw === 'string' && raw.length <= 4096) {
    try {
      const result = tokenSchema.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
      if (result.success) parsed = result.data;
    } catch {
      parsed = undefined;
    }
  }
  if (!parsed) throw invalid('continue', 'is not a valid continue token; start the list again without it');
  if (parsed.list !== list) throw invalid('continue', `belongs to another list (${parsed.list}); start this list again without it`);
  return parsed.after;
}

const invalid = (field: string, message: string): ControlPlaneError =>
  new ControlPlaneError('Invalid', `Invalid list request: ${field} ${message}`, [{ field, message }]);
