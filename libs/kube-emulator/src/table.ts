import { evaluateJsonPath } from './json-path.js';
import type { KubeObject, PrinterColumn, ResourceType } from './types.js';

/**
 * Human-readable age, the same buckets as `k8s.io/apimachinery/pkg/util/duration.HumanDuration`
 * (`45s`, `3m12s`, `17m`, `5h3m`, `30h`, `3d4h`, `40d`, `2y30d`).
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 192) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  const days = Math.floor(hours / 24);
  if (days < 365 * 2) return `${days}d`;
  if (days < 365 * 8) return days % 365 === 0 ? `${Math.floor(days / 365)}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

/** Age since an RFC 3339 timestamp, or `<unknown>` when it is missing. */
export function ageSince(timestamp: unknown, now: number): string {
  if (typeof timestamp !== 'string') return '<unknown>';
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** The leading `Name` column every table has. */
export const NAME_COLUMN: PrinterColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. More info: http://kubernetes.io/docs/user-guide/identifiers#names',
  cell: (o) => o.metadata.name,
};

/** The trailing `Age` column of built-in tables and of CRDs without printer columns. */
export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  cell: (o, now) => ageSince(o.metadata.creationTimestamp, now),
};

/** One CRD printer-column cell, as the apiextensions table convertor renders it. */
function crdCell(column: PrinterColumn, object: KubeObject, now: number): unknown {
  const values = evaluateJsonPath(object, column.jsonPath ?? '');
  if (values.length === 0) return null;
  const first = values[0];
  switch (column.type) {
    case 'date':
      return ageSince(first, now);
    case 'integer':
    case 'number':
      return typeof first === 'number' ? first : Number.isFinite(Number(first)) ? Number(first) : String(first);
    case 'boolean':
      return typeof first === 'boolean' ? first : String(first);
    default:
      return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(',');
  }
}

/** The columns a resource's Table has: Name first, then its printer columns. */
export function tableColumns(type: ResourceType): PrinterColumn[] {
  return [NAME_COLUMN, ...type.columns];
}

/** `includeObject` of a Table request: what each row carries. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** A `meta.k8s.io/v1 Table`. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: { name: string; type: string; format: string; description: string; priority: number }[];
  rows: { cells: unknown[]; object?: unknown }[];
}

/**
 * Renders objects as a server-side Table: columns come from the CRD's `additionalPrinterColumns` (JSONPath, `date`
 * columns as ages) or from the built-in defaults; each row carries PartialObjectMetadata unless told otherwise.
 */
export function renderTable(
  type: ResourceType,
  objects: readonly KubeObject[],
  meta: { resourceVersion?: string; continue?: string },
  includeObject: IncludeObject = 'Metadata',
  now: number = Date.now(),
): Table {
  const columns = tableColumns(type);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type === 'date' ? 'date' : c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => (c.cell ? (c.cell(o, now) ?? null) : crdCell(c, o, now))),
      ...(includeObject === 'None'
        ? {}
        : {
            object: includeObject === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
          }),
    })),
  };
}
