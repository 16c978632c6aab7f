import { createHash } from 'node:crypto';
import type { ObjectRef } from '@scaleplan/contracts';

/** Labels every run Job and its pods carry; `kubectl get jobs -l scaleplan.dev/scaling-law=<name>` lists a study's runs. */
export const RunJobLabel = {
  ManagedBy: 'app.kubernetes.io/managed-by',
  Component: 'app.kubernetes.io/component',
  /** The control plane's queue prefix, so two installations sharing a namespace never touch each other's Jobs. */
  Installation: 'scaleplan.dev/installation',
  ScalingLaw: 'scaleplan.dev/scaling-law',
  ComputeBudget: 'scaleplan.dev/compute-budget',
  Run: 'scaleplan.dev/run',
  RunKind: 'scaleplan.dev/run-kind',
  Attempt: 'scaleplan.dev/attempt',
  KueueQueue: 'kueue.x-k8s.io/queue-name',
  KueuePriorityClass: 'kueue.x-k8s.io/priority-class',
} as const;

export const RunJobAnnotation = {
  /** The BullMQ job id (`namespace/owner/runId`) the Job trains. */
  JobId: 'scaleplan.dev/job-id',
  Params: 'scaleplan.dev/params',
  Tokens: 'scaleplan.dev/tokens',
  BudgetFlops: 'scaleplan.dev/budget-flops',
} as const;

export const MANAGED_BY = 'scaleplan';
export const TRAINER_COMPONENT = 'trainer';

const MAX_NAME = 63; // a Job's name is also its pods' job-name label value

/** `text` as a DNS-1123 label fragment: lower case, [a-z0-9-], no leading or trailing dash. */
export function dnsFragment(text: string, max: number): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, max)
    .replace(/^-+|-+$/g, '');
}

/** A label value (≤ 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends); long values keep a hash suffix. */
export function labelValue(text: string): string {
  const clean = text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (clean.length <= MAX_NAME) return clean;
  return `${clean.slice(0, MAX_NAME - 9).replace(/[^A-Za-z0-9]+$/, '')}-${shortHash(text)}`;
}

const shortHash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 8);

/**
 * The name of the Job of one attempt of a run: readable (`<owner>-<run>`), unique per installation, run and
 * attempt, and at most 63 characters. The same attempt always gets the same name, so a control plane that
 * restarts (or a new leader) finds the Job instead of creating a second one.
 */
export function runJobName(installation: string, owner: ObjectRef, runId: string, attempt: number): string {
  const suffix = `-${shortHash(`${installation}/${owner.namespace}/${owner.name}/${runId}`).slice(0, 6)}-a${attempt}`;
  const readable = dnsFragment(`${owner.name}-${runId}`, MAX_NAME - suffix.length);
  return `${readable || 'run'}${suffix}`;
}

/** The ConfigMap holding a run Job's run file. */
export const runFileConfigMapName = (jobName: string): string => `${jobName}-run`;

/** The Secret holding a run Job's report token. */
export const runTokenSecretName = (jobName: string): string => `${jobName}-token`;
