import { z } from 'zod';
import { ADMISSION_LIMITS } from './admission-limits.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** What a DNS-1123 label is, for messages. */
export const DNS_LABEL_RULE = `a DNS-1123 label: 1–${ADMISSION_LIMITS.maxNameLength} lower-case letters, digits and '-', starting and ending with a letter or digit`;

/** True when `value` is a DNS-1123 label (Kubernetes namespaces and object names). */
export const isDnsLabel = (value: string): boolean => value.length <= ADMISSION_LIMITS.maxNameLength && DNS_LABEL.test(value);

/** A namespace or object name. The CRD carries the pattern and length; names become job ids, Redis keys and Job names. */
export const dnsLabelSchema = z
  .string()
  .max(ADMISSION_LIMITS.maxNameLength, `must be ${DNS_LABEL_RULE}`)
  .regex(DNS_LABEL, `must be ${DNS_LABEL_RULE}`);

/** A label or annotation key: `[prefix/]name`, the prefix a DNS-1123 subdomain (Kubernetes' qualified name). */
function isQualifiedName(key: string): boolean {
  if (key.length > ADMISSION_LIMITS.maxLabelKeyLength) return false;
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = key.slice(slash + 1);
  if (prefix !== undefined && !(prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

const QUALIFIED_NAME_RULE =
  "a qualified name: an optional DNS subdomain prefix and '/', then 1–63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

const qualifiedKey = z.string().refine(isQualifiedName, { message: `keys must be ${QUALIFIED_NAME_RULE}` });

/** metadata.labels, with Kubernetes' rules for keys and values. */
export const labelsSchema = z
  .record(
    qualifiedKey,
    z
      .string()
      .max(ADMISSION_LIMITS.maxLabelValueLength, `label values are at most ${ADMISSION_LIMITS.maxLabelValueLength} characters`)
      .regex(
        /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/,
        "label values are letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
      ),
  )
  .refine((labels) => Object.keys(labels).length <= ADMISSION_LIMITS.maxLabels, {
    message: `at most ${ADMISSION_LIMITS.maxLabels} labels`,
  });

const encoder = new TextEncoder();
const utf8Bytes = (text: string): number => encoder.encode(text).length;

/** metadata.annotations: qualified keys, free-text values, bounded in number and total size. */
export const annotationsSchema = z
  .record(qualifiedKey, z.string())
  .refine((annotations) => Object.keys(annotations).length <= ADMISSION_LIMITS.maxAnnotations, {
    message: `at most ${ADMISSION_LIMITS.maxAnnotations} annotations`,
  })
  .refine(
    (annotations) =>
      Object.entries(annotations).reduce((sum, [key, value]) => sum + utf8Bytes(key) + utf8Bytes(value), 0) <=
      ADMISSION_LIMITS.maxAnnotationBytes,
    { message: `annotations total at most ${ADMISSION_LIMITS.maxAnnotationBytes} bytes (keys and values)` },
  );

/** metadata.finalizers: qualified names, no repeats. */
export const finalizersSchema = z
  .array(qualifiedKey)
  .max(ADMISSION_LIMITS.maxFinalizers)
  .refine((finalizers) => new Set(finalizers).size === finalizers.length, { message: 'finalizers must not repeat' });
