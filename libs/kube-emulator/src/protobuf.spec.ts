import { describe, expect, it } from 'vitest';
import { decodeProtobufObject, isProtobuf } from './protobuf.js';

// A tiny encoder for the test: length-delimited fields only, which is all these messages use.
const varint = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
};
const field = (num: number, value: Buffer | string): Buffer => {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.from([...varint((num << 3) | 2), ...varint(bytes.length), ...bytes]);
};
const msg = (...parts: Buffer[]) => Buffer.concat(parts);
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([Buffer.from('k8s\0', 'binary'), field(1, msg(field(1, apiVersion), field(2, kind))), field(2, raw)]);

describe('protobuf bodies', () => {
  it('decodes a ConfigMap with metadata, labels and data', () => {
    const meta = msg(field(1, 'cfg'), field(3, 'team'), field(11, msg(field(1, 'app'), field(2, 'web'))));
    const raw = msg(
      field(1, meta),
      field(2, msg(field(1, 'mode'), field(2, 'fast'))),
      field(3, msg(field(1, 'bin'), field(2, Buffer.from([1, 2])))),
    );
    const body = envelope('v1', 'ConfigMap', raw);
    expect(isProtobuf(body)).toBe(true);
    expect(decodeProtobufObject(body)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'team', labels: { app: 'web' } },
      data: { mode: 'fast' },
      binaryData: { bin: 'AQI=' },
    });
  });

  it('base64-encodes Secret data like the JSON form', () => {
    const raw = msg(field(1, field(1, 'sec')), field(2, msg(field(1, 'token'), field(2, 's3cret'))), field(3, 'Opaque'));
    expect(decodeProtobufObject(envelope('v1', 'Secret', raw))).toMatchObject({
      data: { token: Buffer.from('s3cret').toString('base64') },
      type: 'Opaque',
    });
  });

  it('answers 415 for kinds it cannot decode', () => {
    expect(() => decodeProtobufObject(envelope('batch/v1', 'Job', field(1, field(1, 'j'))))).toThrow(/decodes protobuf only for/);
  });
});
