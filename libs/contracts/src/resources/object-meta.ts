import { z } from 'zod';
import { ADMISSION_LIMITS } from '../admission/admission-limits.js';
import { annotationsSchema, dnsLabelSchema, finalizersSchema, labelsSchema } from '../admission/object-names.js';

/** Fields the server sets; a client may send them back (kubectl does), so they are bounded, not refused. */
const serverSetString = z.string().max(ADMISSION_LIMITS.maxMetadataStringLength);

/** The part of metav1.ObjectMeta that ScalePlan reads and writes (names and namespaces are DNS-1123 labels). */
export const objectMetaSchema = z.object({
  name: dnsLabelSchema,
  namespace: dnsLabelSchema.default('default'),
  uid: serverSetString.optional(),
  resourceVersion: serverSetString.optional(),
  generation: z.number().int().nonnegative().optional(),
  creationTimestamp: serverSetString.optional(),
  deletionTimestamp: serverSetString.optional(),
  labels: labelsSchema.optional(),
  annotations: annotationsSchema.optional(),
  finalizers: finalizersSchema.optional(),
});

/**
 * The envelope every ScalePlan custom resource shares: apiVersion and kind (defaulted, so a manifest may omit
 * them), metadata, spec, and the optional status the control plane writes.
 */
export const customResourceSchema = <Kind extends string, Spec extends z.ZodType, Status extends z.ZodType>(
  apiVersion: string,
  kind: Kind,
  spec: Spec,
  status: Status,
) =>
  z.object({
    apiVersion: z.literal(apiVersion).default(apiVersion),
    kind: z.literal(kind).default(kind),
    metadata: objectMetaSchema,
    spec,
    status: status.optional(),
  });
