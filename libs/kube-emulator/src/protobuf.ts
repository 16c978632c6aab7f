import { KubeApiError } from './errors.js';
import type { KubeObject } from './types.js';

/**
 * Just enough of the Kubernetes protobuf encoding to accept the bodies `kubectl create namespace|configmap|secret|
 * serviceaccount` send (client-go's typed clients always send protobuf for built-in kinds). Other kinds get 415.
 */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

interface Field {
  readonly number: number;
  readonly varint?: bigint;
  readonly bytes?: Buffer;
}

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length; i += 1) {
    const byte = buf[i]!;
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [result, i + 1];
    shift += 7n;
  }
  throw new KubeApiError('BadRequest', 'truncated protobuf varint');
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.length) {
    const [tag, next] = readVarint(buf, at);
    at = next;
    const number = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, n] = readVarint(buf, at);
      out.push({ number, varint: v });
      at = n;
    } else if (wire === 2) {
      const [len, n] = readVarint(buf, at);
      out.push({ number, bytes: buf.subarray(n, n + Number(len)) });
      at = n + Number(len);
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new KubeApiError('BadRequest', `unsupported protobuf wire type ${wire}`);
  }
  return out;
}

const str = (f: Field | undefined) => f?.bytes?.toString('utf8');
const first = (fs: Field[], n: number) => fs.find((f) => f.number === n);
const all = (fs: Field[], n: number) => fs.filter((f) => f.number === n);

function map(fs: Field[], n: number, bytesValue = false): Record<string, string> | undefined {
  const entries = all(fs, n);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(
    entries.map((e) => {
      const kv = fields(e.bytes!);
      const value = first(kv, 2)?.bytes ?? Buffer.alloc(0);
      return [str(first(kv, 1)) ?? '', bytesValue ? value.toString('base64') : value.toString('utf8')];
    }),
  );
}

function objectMeta(buf: Buffer): KubeObject['metadata'] {
  const fs = fields(buf);
  const meta: KubeObject['metadata'] = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== '') meta[key] = value;
  };
  set('name', str(first(fs, 1)));
  set('generateName', str(first(fs, 2)));
  set('namespace', str(first(fs, 3)));
  set('resourceVersion', str(first(fs, 6)));
  set('labels', map(fs, 11));
  set('annotations', map(fs, 12));
  const finalizers = all(fs, 14).map((f) => str(f)!);
  if (finalizers.length) meta.finalizers = finalizers;
  return meta;
}

/** True when a body carries the Kubernetes protobuf envelope. */
export const isProtobuf = (body: Buffer): boolean => body.subarray(0, 4).equals(MAGIC);

/** Decodes a protobuf-encoded Namespace, ConfigMap, Secret or ServiceAccount into its JSON form. */
export function decodeProtobufObject(body: Buffer): KubeObject {
  if (!isProtobuf(body)) throw new KubeApiError('BadRequest', 'protobuf body without the "k8s\\0" prefix');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(first(unknown, 1)?.bytes ?? Buffer.alloc(0));
  const apiVersion = str(first(typeMeta, 1)) ?? '';
  const kind = str(first(typeMeta, 2)) ?? '';
  const raw = fields(first(unknown, 2)?.bytes ?? Buffer.alloc(0));
  const metadata = objectMeta(first(raw, 1)?.bytes ?? Buffer.alloc(0));
  const base = { apiVersion, kind, metadata };
  switch (`${apiVersion}/${kind}`) {
    case 'v1/Namespace':
      return base;
    case 'v1/ConfigMap': {
      const data = map(raw, 2);
      const binaryData = map(raw, 3, true);
      return { ...base, ...(data ? { data } : {}), ...(binaryData ? { binaryData } : {}) };
    }
    case 'v1/Secret': {
      const data = map(raw, 2, true);
      const type = str(first(raw, 3));
      const stringData = map(raw, 4);
      return { ...base, ...(data ? { data } : {}), ...(type ? { type } : {}), ...(stringData ? { stringData } : {}) };
    }
    case 'v1/ServiceAccount':
      return base;
    case 'authorization.k8s.io/v1/SelfSubjectAccessReview': {
      // `kubectl auth can-i`: spec (2) holds resourceAttributes (1) or nonResourceAttributes (2).
      const spec = fields(first(raw, 2)?.bytes ?? Buffer.alloc(0));
      const resource = first(spec, 1)?.bytes;
      const nonResource = first(spec, 2)?.bytes;
      const pick = (buf: Buffer, names: Record<number, string>) => {
        const fs = fields(buf);
        return Object.fromEntries(
          Object.entries(names).flatMap(([n, key]) => (str(first(fs, Number(n))) ? [[key, str(first(fs, Number(n)))]] : [])),
        );
      };
      return {
        ...base,
        spec: {
          ...(resource
            ? {
                resourceAttributes: pick(resource, {
                  1: 'namespace',
                  2: 'verb',
                  3: 'group',
                  4: 'version',
                  5: 'resource',
                  6: 'subresource',
                  7: 'name',
                }),
              }
            : {}),
          ...(nonResource ? { nonResourceAttributes: pick(nonResource, { 1: 'path', 2: 'verb' }) } : {}),
        },
      };
    }
    default:
      throw new KubeApiError(
        'UnsupportedMediaType',
        `the kube-emulator decodes protobuf only for v1 Namespace, ConfigMap, Secret and ServiceAccount, not ${apiVersion} ${kind}; send JSON or YAML (e.g. "kubectl create -f" / "kubectl apply -f" instead of "kubectl create ${kind.toLowerCase()}")`,
      );
  }
}
