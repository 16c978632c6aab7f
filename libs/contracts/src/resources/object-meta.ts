import { z } from 'zod';

/** The part of metav1.ObjectMeta that ScalePlan reads and writes. */
export const objectMetaSchema = z.object({
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'name must be a DNS-1123 label: lower-case alphanumerics and dashes')
    .max(63),
  namespace: z.string().min(1).default('default'),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
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
