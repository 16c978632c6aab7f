/** A position in a list's order: the sort key of the last item a page returned. */
export type SortKey = readonly (string | number)[];

/** What one page of a list asks for. */
export interface ListPageRequest {
  /** Most items in the page. */
  readonly limit: number;
  /** Start after the item with this sort key (from the previous page); the first page when absent. */
  readonly after?: SortKey;
}

/** One page of a list, in sort-key order. */
export interface ListPage<T> {
  readonly items: T[];
  /** Sort key of the last item, when more items follow. */
  readonly next?: SortKey;
  /** How many items follow this page (as the list stood when it was read). */
  readonly remaining: number;
}

/** Orders sort keys component by component (numbers numerically, strings by code unit). */
export function compareSortKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const left = a[i];
    const right = b[i];
    if (left === right) continue;
    if (left === undefined) return -1;
    if (right === undefined) return 1;
    if (typeof left === 'number' && typeof right === 'number') return left - right;
    return String(left) < String(right) ? -1 : 1;
  }
  return 0;
}

/** Sort key of a namespaced object: namespace, then name. */
export const objectSortKey = (resource: { metadata: { namespace?: string; name: string } }): SortKey => [
  resource.metadata.namespace ?? 'default',
  resource.metadata.name,
];

/**
 * Cuts one page out of a list held in memory: sorts by `keyOf`, skips up to and including `after`, takes
 * `limit`. Paging is by position, not a snapshot: an object created or deleted between two pages is seen
 * or missed according to where it sorts, and no object is returned twice.
 */
export function pageOf<T>(items: readonly T[], keyOf: (item: T) => SortKey, request: ListPageRequest): ListPage<T> {
  const keyed = items.map((item) => ({ item, key: keyOf(item) })).sort((a, b) => compareSortKeys(a.key, b.key));
  const after = request.after;
  const start = after === undefined ? 0 : keyed.findIndex((entry) => compareSortKeys(entry.key, after) > 0);
  const rest = start < 0 ? [] : keyed.slice(start);
  const page = rest.slice(0, request.limit);
  const remaining = rest.length - page.length;
  return {
    items: page.map((entry) => entry.item),
    remaining,
    ...(remaining > 0 && page.length > 0 ? { next: page[page.length - 1]!.key } : {}),
  };
}
