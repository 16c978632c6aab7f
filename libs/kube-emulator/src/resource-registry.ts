import { BUILTIN_RESOURCES } from './builtin-resources.js';
import { KubeApiError, type StatusCause } from './errors.js';
import { AGE_COLUMN } from './table.js';
import type { JsonSchema, KubeObject, PrinterColumn, ResourceType } from './types.js';

/**
 * Kubernetes version priority (`v1` > `v1beta2` > `v1beta1` > `v1alpha1` > anything else, alphabetically),
 * the order discovery lists versions in and the first of which is the preferred version.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0, v] as const;
    return [Number(m[1]), m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1, Number(m[3] ?? 0), v] as const;
  };
  const [am, as, an] = parse(a);
  const [bm, bs, bn] = parse(b);
  if (as === 0 || bs === 0) return as === bs ? a.localeCompare(b) : as === 0 ? 1 : -1;
  return bs - as || bm - am || bn - an;
}

/** The set of served resources: built-ins plus whatever CRDs have registered. `revision` moves on every change. */
export class ResourceRegistry {
  private types: ResourceType[] = [...BUILTIN_RESOURCES];
  /** Bumped whenever a resource is added, changed or removed (drives OpenAPI hashes). */
  revision = 1;

  all(): readonly ResourceType[] {
    return this.types;
  }

  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  /** The preferred-version resource for a group and kind (owner references name a kind, not a resource). */
  findKind(group: string, kind: string): ResourceType | undefined {
    return this.types.filter((t) => t.group === group && t.kind === kind).sort((a, b) => compareVersions(a.version, b.version))[0];
  }

  /** The preferred-version resource for a group and plural. */
  findResource(group: string, plural: string): ResourceType | undefined {
    return this.types.filter((t) => t.group === group && t.plural === plural).sort((a, b) => compareVersions(a.version, b.version))[0];
  }

  /** Groups in registration order, each with its versions in priority order. */
  groups(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const t of this.types) {
      const versions = groups.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      groups.set(t.group, versions);
    }
    for (const versions of groups.values()) versions.sort(compareVersions);
    return groups;
  }

  /** Registers (or re-registers) the served versions of a CRD. */
  registerCrd(crdName: string, types: readonly ResourceType[]): void {
    this.types = [...this.types.filter((t) => t.crdName !== crdName), ...types];
    this.revision += 1;
  }

  unregisterCrd(crdName: string): void {
    this.types = this.types.filter((t) => t.crdName !== crdName);
    this.revision += 1;
  }
}

interface CrdVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: JsonSchema };
  subresources?: { status?: object; scale?: { specReplicasPath?: string; statusReplicasPath?: string; labelSelectorPath?: string } };
  additionalPrinterColumns?: { name: string; type: string; format?: string; description?: string; priority?: number; jsonPath: string }[];
}

interface CrdSpec {
  group?: string;
  scope?: string;
  names?: { plural?: string; singular?: string; kind?: string; listKind?: string; shortNames?: string[]; categories?: string[] };
  versions?: CrdVersion[];
}

const PRINTER_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'date']);
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks a CustomResourceDefinition the way the apiextensions validation does for the fields the emulator relies on;
 * returns field causes (empty when valid).
 */
export function validateCrd(crd: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = (crd.spec ?? {}) as CrdSpec;
  const required = (field: string) => causes.push({ reason: 'FieldValueRequired', field, message: 'Required value' });
  const invalid = (field: string, value: unknown, why: string) =>
    causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` });
  if (!spec.group) required('spec.group');
  if (!spec.names?.plural) required('spec.names.plural');
  else if (!DNS_LABEL.test(spec.names.plural)) invalid('spec.names.plural', spec.names.plural, 'a lowercase RFC 1123 label is required');
  if (!spec.names?.kind) required('spec.names.kind');
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.scope',
      message: `Unsupported value: ${JSON.stringify(spec.scope ?? '')}: supported values: "Cluster", "Namespaced"`,
    });
  }
  if (spec.group && spec.names?.plural && crd.metadata.name !== `${spec.names.plural}.${spec.group}`) {
    invalid('metadata.name', crd.metadata.name, `must be spec.names.plural+"."+spec.group`);
  }
  const versions = spec.versions ?? [];
  if (versions.length === 0) required('spec.versions');
  if (versions.length > 0 && versions.filter((v) => v.storage).length !== 1) {
    invalid(
      'spec.versions',
      versions.map((v) => v.name),
      'must have exactly one version marked as storage version',
    );
  }
  versions.forEach((v, i) => {
    if (!v.name) required(`spec.versions[${i}].name`);
    if (!v.schema?.openAPIV3Schema) required(`spec.versions[${i}].schema.openAPIV3Schema`);
    (v.additionalPrinterColumns ?? []).forEach((c, j) => {
      if (!PRINTER_TYPES.has(c.type)) {
        causes.push({
          reason: 'FieldValueNotSupported',
          field: `spec.versions[${i}].additionalPrinterColumns[${j}].type`,
          message: `Unsupported value: ${JSON.stringify(c.type)}: supported values: "boolean", "date", "integer", "number", "string"`,
        });
      }
      if (!c.jsonPath) required(`spec.versions[${i}].additionalPrinterColumns[${j}].jsonPath`);
    });
  });
  return causes;
}

/** The resource types a (valid) CRD serves: one per served version. */
export function resourceTypesFromCrd(crd: KubeObject): ResourceType[] {
  const spec = crd.spec as CrdSpec;
  const names = spec.names!;
  const kind = names.kind!;
  return (spec.versions ?? [])
    .filter((v) => v.served !== false)
    .map((v) => {
      const scale = v.subresources?.scale;
      const columns: PrinterColumn[] = v.additionalPrinterColumns
        ? v.additionalPrinterColumns.map((c) => ({
            name: c.name,
            type: c.type as PrinterColumn['type'],
            format: c.format ?? '',
            description: c.description ?? '',
            priority: c.priority ?? 0,
            jsonPath: c.jsonPath,
          }))
        : [AGE_COLUMN];
      return {
        group: spec.group!,
        version: v.name!,
        plural: names.plural!,
        singular: names.singular ?? kind.toLowerCase(),
        kind,
        listKind: names.listKind ?? `${kind}List`,
        namespaced: spec.scope === 'Namespaced',
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        statusSubresource: v.subresources?.status !== undefined,
        ...(scale
          ? {
              scale: {
                specReplicasPath: scale.specReplicasPath ?? '.spec.replicas',
                statusReplicasPath: scale.statusReplicasPath ?? '.status.replicas',
                ...(scale.labelSelectorPath ? { labelSelectorPath: scale.labelSelectorPath } : {}),
              },
            }
          : {}),
        columns,
        ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema } : {}),
        crdName: crd.metadata.name!,
        strategicMergePatch: false,
      } satisfies ResourceType;
    });
}

/** Finds names another CRD already serves (plural, kind or a short name in the same group): a NamesAccepted=False reason. */
export function nameConflict(crd: KubeObject, registry: ResourceRegistry): string | undefined {
  const spec = crd.spec as CrdSpec;
  for (const t of registry.all()) {
    if (t.crdName === crd.metadata.name || t.group !== spec.group) continue;
    if (t.plural === spec.names?.plural) return `"${t.plural}" is already in use`;
    if (t.kind === spec.names?.kind) return `"${t.kind}" is already in use`;
  }
  return undefined;
}

/** The status a real apiextensions controller writes once a CRD's names are accepted and it is served. */
export function crdStatus(
  crd: KubeObject,
  previous: Record<string, unknown> | undefined,
  conflict: string | undefined,
  now: string,
): Record<string, unknown> {
  const spec = crd.spec as CrdSpec;
  const prevConditions = (previous?.conditions as { type: string; status: string; lastTransitionTime: string }[] | undefined) ?? [];
  const condition = (type: string, status: string, reason: string, message: string) => {
    const before = prevConditions.find((c) => c.type === type);
    return { type, status, reason, message, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now };
  };
  const storedBefore = (previous?.storedVersions as string[] | undefined) ?? [];
  const storage = (spec.versions ?? []).find((v) => v.storage)?.name;
  const storedVersions = storage && !storedBefore.includes(storage) ? [...storedBefore, storage] : storedBefore;
  const accepted = conflict === undefined;
  return {
    conditions: [
      accepted
        ? condition('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found')
        : condition('NamesAccepted', 'False', 'NameConflict', conflict),
      accepted
        ? condition('Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted')
        : condition('Established', 'False', 'NotAccepted', 'not all names are accepted'),
    ],
    acceptedNames: accepted
      ? {
          ...spec.names,
          singular: spec.names?.singular ?? spec.names?.kind?.toLowerCase(),
          listKind: spec.names?.listKind ?? `${spec.names?.kind}List`,
        }
      : ((previous?.acceptedNames as object | undefined) ?? { plural: '', kind: '' }),
    storedVersions,
  };
}

/** Rejects an invalid CRD with the apiextensions 422 shape. */
export function assertValidCrd(crd: KubeObject): void {
  const causes = validateCrd(crd);
  if (causes.length === 0) return;
  const name = crd.metadata.name ?? '';
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  throw new KubeApiError(
    'Invalid',
    `CustomResourceDefinition.apiextensions.k8s.io "${name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`,
    { name, group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', causes },
  );
}
