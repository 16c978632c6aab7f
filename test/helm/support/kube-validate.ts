import * as clientNode from '@kubernetes/client-node';
import type { Manifest } from './helm-render.js';

/** One finding about one rendered object. */
export interface ValidationProblem {
  readonly object: string;
  readonly message: string;
}

interface AttributeType {
  readonly baseName: string;
  readonly type: string;
}
type ModelClass = { getAttributeTypeMap(): readonly AttributeType[] };
const models = clientNode as unknown as Record<string, ModelClass | undefined>;

/** Where the kubernetes-models classes of the kinds the chart may emit live. */
const MODEL_MODULES: Record<string, string> = {
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
};

function modelModule(apiVersion: string, kind: string): string {
  const special = MODEL_MODULES[apiVersion];
  if (special) return `${special}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** client-node's generated class name for a built-in kind: apps/v1 Deployment → V1Deployment. */
function clientNodeClass(apiVersion: string, kind: string): ModelClass | undefined {
  const version = apiVersion.split('/').pop() ?? '';
  return models[`${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`];
}

/**
 * Walks an object against client-node's generated attribute maps (built from the Kubernetes OpenAPI
 * spec, v1.34) and reports every field the API does not define: the check `kubectl apply
 * --validate=strict` makes and kubernetes-models' JSON schemas do not (they allow unknown fields).
 */
function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const arrayOf = /^Array<(.+)>$/.exec(type);
  if (arrayOf) {
    if (Array.isArray(value)) value.forEach((item, index) => unknownFields(item, arrayOf[1]!, `${path}[${index}]`, out));
    return;
  }
  const mapOf = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (mapOf) {
    if (typeof value === 'object') for (const [key, item] of Object.entries(value)) unknownFields(item, mapOf[1]!, `${path}.${key}`, out);
    return;
  }
  const model = models[type];
  if (!model || typeof model.getAttributeTypeMap !== 'function' || typeof value !== 'object' || Array.isArray(value)) return;
  const attributes = new Map(model.getAttributeTypeMap().map((attribute) => [attribute.baseName, attribute.type]));
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const attributeType = attributes.get(key);
    if (attributeType === undefined) out.push(`${path}.${key} is not a field of ${type}`);
    else unknownFields(item, attributeType, `${path}.${key}`, out);
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Name rules the API server applies: Services and Namespaces are DNS-1035/1123 labels, the rest subdomains. */
function metadataProblems(object: Manifest): string[] {
  const problems: string[] = [];
  const name = object.metadata?.name ?? '';
  const labelKinds = new Set(['Service', 'Namespace']);
  if (labelKinds.has(object.kind) ? !(DNS_LABEL.test(name) && name.length <= 63) : !(DNS_SUBDOMAIN.test(name) && name.length <= 253)) {
    problems.push(`metadata.name ${JSON.stringify(name)} is not a valid ${object.kind} name`);
  }
  for (const [key, value] of Object.entries(object.metadata?.labels ?? {})) {
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value))
      problems.push(`label ${key}=${JSON.stringify(value)} is not a valid label value`);
  }
  return problems;
}

/**
 * Validates one rendered object: kubernetes-models' JSON schema (types, required fields, enums,
 * formats) for every kind it knows, plus unknown-field detection for built-in kinds and the API
 * server's name and label rules. Returns problems rather than throwing, so a spec can list them all.
 */
export async function validateManifest(object: Manifest): Promise<ValidationProblem[]> {
  const id = `${object.kind}/${object.metadata?.name}`;
  const problems: string[] = [...metadataProblems(object)];
  const { __source: _source, ...plain } = object as Manifest & { __source?: string };
  let ModelCtor: (new (data: unknown) => { validate(): void }) | undefined;
  try {
    const module = (await import(modelModule(object.apiVersion, object.kind))) as Record<
      string,
      new (data: unknown) => { validate(): void }
    >;
    ModelCtor = module[object.kind] ?? module.default;
  } catch {
    problems.push(`no schema known for ${object.apiVersion} ${object.kind}`);
  }
  if (ModelCtor) {
    try {
      new ModelCtor(plain).validate();
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const builtIn = clientNodeClass(object.apiVersion, object.kind);
  if (builtIn) {
    const unknown: string[] = [];
    const { apiVersion: _apiVersion, kind: _kind, ...rest } = plain;
    unknownFields(
      rest,
      `${(object.apiVersion.split('/').pop() ?? '').replace(/^./, (c) => c.toUpperCase())}${object.kind}`,
      object.kind,
      unknown,
    );
    problems.push(...unknown);
  }
  return problems.map((message) => ({ object: id, message }));
}
