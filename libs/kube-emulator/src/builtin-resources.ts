import { AGE_COLUMN, ageSince } from './table.js';
import type { KubeObject, PrinterColumn, ResourceType } from './types.js';

type Spec = Record<string, unknown>;
const field = (o: KubeObject, key: string): Spec => (o[key] as Spec | undefined) ?? {};
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

interface BuiltinInput {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  statusSubresource?: boolean;
  scale?: ResourceType['scale'];
  columns?: PrinterColumn[];
  logSubresource?: boolean;
}

const builtin = (r: BuiltinInput): ResourceType => ({
  group: r.group,
  version: r.version,
  plural: r.plural,
  singular: r.kind.toLowerCase(),
  kind: r.kind,
  listKind: `${r.kind}List`,
  namespaced: r.namespaced,
  shortNames: r.shortNames ?? [],
  categories: r.categories ?? [],
  statusSubresource: r.statusSubresource ?? false,
  ...(r.scale ? { scale: r.scale } : {}),
  columns: r.columns ?? [AGE_COLUMN],
  strategicMergePatch: true,
  ...(r.logSubresource ? { logSubresource: true } : {}),
});

/**
 * An apps/v1 workload: namespaced, listed by `kubectl get all`, with a status subresource and, when it has
 * replicas, a scale subresource.
 */
const appsWorkload = (kind: string, shortName: string, options: { scale?: boolean; columns?: PrinterColumn[] } = {}): ResourceType =>
  builtin({
    group: 'apps',
    version: 'v1',
    plural: `${kind.toLowerCase()}s`,
    kind,
    namespaced: true,
    shortNames: [shortName],
    categories: ['all'],
    statusSubresource: true,
    ...(options.scale
      ? { scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } }
      : {}),
    ...(options.columns ? { columns: options.columns } : {}),
  });

function podStatusText(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  const status = field(pod, 'status');
  const containers = (status.containerStatuses as { state?: Record<string, { reason?: string }> }[] | undefined) ?? [];
  for (const c of containers) {
    const waiting = c.state?.waiting?.reason;
    if (waiting) return waiting;
    const terminated = c.state?.terminated?.reason;
    if (terminated && status.phase !== 'Succeeded' && status.phase !== 'Failed') return terminated;
  }
  if (status.phase === 'Succeeded') return 'Completed';
  if (status.phase === 'Failed') return containers[0]?.state?.terminated?.reason ?? 'Error';
  return typeof status.phase === 'string' ? status.phase : 'Pending';
}

const POD_COLUMNS: PrinterColumn[] = [
  {
    name: 'Ready',
    type: 'string',
    description: 'The aggregate readiness state of this pod for accepting traffic.',
    cell: (o) => {
      const total = ((field(o, 'spec').containers as unknown[]) ?? []).length;
      const ready = ((field(o, 'status').containerStatuses as { ready?: boolean }[]) ?? []).filter((c) => c.ready).length;
      return `${ready}/${total}`;
    },
  },
  { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', cell: podStatusText },
  {
    name: 'Restarts',
    type: 'string',
    description: 'The number of times the containers in this pod have been restarted.',
    cell: (o) =>
      String(((field(o, 'status').containerStatuses as { restartCount?: number }[]) ?? []).reduce((s, c) => s + num(c.restartCount), 0)),
  },
  AGE_COLUMN,
  {
    name: 'IP',
    type: 'string',
    priority: 1,
    description: 'The IP address assigned to the pod.',
    cell: (o) => field(o, 'status').podIP ?? '<none>',
  },
  {
    name: 'Node',
    type: 'string',
    priority: 1,
    description: 'The node the pod runs on.',
    cell: (o) => field(o, 'spec').nodeName ?? '<none>',
  },
];

function jobStatusText(job: KubeObject): string {
  const conditions = (field(job, 'status').conditions as { type: string; status: string }[] | undefined) ?? [];
  const on = (t: string) => conditions.some((c) => c.type === t && c.status === 'True');
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (on('Complete')) return 'Complete';
  if (on('Failed')) return 'Failed';
  if (on('Suspended')) return 'Suspended';
  return 'Running';
}

const JOB_COLUMNS: PrinterColumn[] = [
  { name: 'Status', type: 'string', description: 'Status of the job.', cell: jobStatusText },
  {
    name: 'Completions',
    type: 'string',
    description: 'The number of successfully finished pods out of the desired completions.',
    cell: (o) => `${num(field(o, 'status').succeeded)}/${num(field(o, 'spec').completions ?? 1)}`,
  },
  {
    name: 'Duration',
    type: 'string',
    description: 'Time required to complete the job.',
    cell: (o, now) => {
      const status = field(o, 'status');
      if (typeof status.startTime !== 'string') return '';
      const end = typeof status.completionTime === 'string' ? Date.parse(status.completionTime) : now;
      return ageSince(status.startTime, end);
    },
  },
  AGE_COLUMN,
];

const DEPLOYMENT_COLUMNS: PrinterColumn[] = [
  {
    name: 'Ready',
    type: 'string',
    description: 'Number of ready pods out of desired.',
    cell: (o) => `${num(field(o, 'status').readyReplicas)}/${num(field(o, 'spec').replicas ?? 1)}`,
  },
  {
    name: 'Up-to-date',
    type: 'integer',
    description: 'Total number of non-terminated pods with the desired template.',
    cell: (o) => num(field(o, 'status').updatedReplicas),
  },
  {
    name: 'Available',
    type: 'integer',
    description: 'Total number of available pods.',
    cell: (o) => num(field(o, 'status').availableReplicas),
  },
  AGE_COLUMN,
];

const EVENT_COLUMNS: PrinterColumn[] = [
  {
    name: 'Last Seen',
    type: 'string',
    description: 'Time since the event was last observed.',
    cell: (o, now) => ageSince(o.lastTimestamp ?? o.eventTime ?? o.firstTimestamp ?? o.metadata.creationTimestamp, now),
  },
  { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning).', cell: (o) => o.type ?? '' },
  { name: 'Reason', type: 'string', description: 'Why the action was taken.', cell: (o) => o.reason ?? '' },
  {
    name: 'Object',
    type: 'string',
    description: 'The object this event is about.',
    cell: (o) => {
      const ref = field(o, 'involvedObject');
      return `${String(ref.kind ?? '').toLowerCase()}/${String(ref.name ?? '')}`;
    },
  },
  {
    name: 'Message',
    type: 'string',
    description: 'A human-readable description of the status of this operation.',
    cell: (o) => o.message ?? '',
  },
];

const NAMESPACE_COLUMNS: PrinterColumn[] = [
  { name: 'Status', type: 'string', description: 'The status of the namespace.', cell: (o) => field(o, 'status').phase ?? 'Active' },
  AGE_COLUMN,
];

const CRD_COLUMNS: PrinterColumn[] = [
  { name: 'Created At', type: 'date', description: 'When the CRD was created.', cell: (o) => o.metadata.creationTimestamp },
];

/** The CustomResourceDefinition resource itself (apiextensions.k8s.io/v1). */
export const CRD_RESOURCE: ResourceType = builtin({
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  statusSubresource: true,
  columns: CRD_COLUMNS,
});

/** Built-in resources served from the start (core, batch, apps, rbac, coordination, apiextensions). */
export const BUILTIN_RESOURCES: readonly ResourceType[] = [
  builtin({
    group: '',
    version: 'v1',
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    statusSubresource: true,
    columns: NAMESPACE_COLUMNS,
  }),
  builtin({ group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'], columns: EVENT_COLUMNS }),
  builtin({
    group: '',
    version: 'v1',
    plural: 'pods',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    statusSubresource: true,
    columns: POD_COLUMNS,
    logSubresource: true,
  }),
  builtin({ group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'] }),
  builtin({ group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] }),
  builtin({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true }),
  builtin({
    group: '',
    version: 'v1',
    plural: 'services',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    statusSubresource: true,
  }),
  builtin({
    group: 'batch',
    version: 'v1',
    plural: 'jobs',
    kind: 'Job',
    namespaced: true,
    categories: ['all'],
    statusSubresource: true,
    columns: JOB_COLUMNS,
  }),
  appsWorkload('Deployment', 'deploy', { scale: true, columns: DEPLOYMENT_COLUMNS }),
  builtin({ group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'roles', kind: 'Role', namespaced: true }),
  builtin({ group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'rolebindings', kind: 'RoleBinding', namespaced: true }),
  builtin({ group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false }),
  builtin({
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    namespaced: false,
  }),
  builtin({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true }),
  // Stored only (no controller behind them), so charts and kustomizations that contain them apply cleanly.
  builtin({
    group: '',
    version: 'v1',
    plural: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
    shortNames: ['pvc'],
    statusSubresource: true,
  }),
  appsWorkload('StatefulSet', 'sts', { scale: true }),
  appsWorkload('ReplicaSet', 'rs', { scale: true }),
  appsWorkload('DaemonSet', 'ds'),
  builtin({
    group: 'autoscaling',
    version: 'v2',
    plural: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    namespaced: true,
    shortNames: ['hpa'],
    categories: ['all'],
    statusSubresource: true,
  }),
  builtin({
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    shortNames: ['pdb'],
    statusSubresource: true,
  }),
  builtin({
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'networkpolicies',
    kind: 'NetworkPolicy',
    namespaced: true,
    shortNames: ['netpol'],
  }),
  builtin({
    group: 'networking.k8s.io',
    version: 'v1',
    plural: 'ingresses',
    kind: 'Ingress',
    namespaced: true,
    shortNames: ['ing'],
    statusSubresource: true,
  }),
  builtin({
    group: 'scheduling.k8s.io',
    version: 'v1',
    plural: 'priorityclasses',
    kind: 'PriorityClass',
    namespaced: false,
    shortNames: ['pc'],
  }),
  // Reviews: create-only, answered at once and never stored (http-server.ts).
  builtin({ group: 'authentication.k8s.io', version: 'v1', plural: 'tokenreviews', kind: 'TokenReview', namespaced: false }),
  builtin({ group: 'authorization.k8s.io', version: 'v1', plural: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false }),
  builtin({
    group: 'authorization.k8s.io',
    version: 'v1',
    plural: 'selfsubjectaccessreviews',
    kind: 'SelfSubjectAccessReview',
    namespaced: false,
  }),
  builtin({
    group: 'authorization.k8s.io',
    version: 'v1',
    plural: 'localsubjectaccessreviews',
    kind: 'LocalSubjectAccessReview',
    namespaced: true,
  }),
  CRD_RESOURCE,
];
