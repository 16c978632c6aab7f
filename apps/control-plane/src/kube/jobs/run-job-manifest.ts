import type { V1ConfigMap, V1EnvVar, V1Job, V1OwnerReference, V1Secret } from '@kubernetes/client-node';
import {
  API_GROUP_VERSION,
  RunKind,
  TRAINER_RUN_API_VERSION,
  TRAINER_RUN_FILE_PATH,
  TRAINER_RUN_KIND,
  TrainerEnv,
  type KueueSpec,
  type ModelShape,
  type TrainerRunSpec,
  type TrainerTemplate,
  type trainRunSchema,
} from '@scaleplan/contracts';
import type { z } from 'zod';
import {
  labelValue,
  MANAGED_BY,
  RunJobAnnotation,
  RunJobLabel,
  runFileConfigMapName,
  runTokenSecretName,
  TRAINER_COMPONENT,
} from './run-job-names.js';

type TrainRun = z.output<typeof trainRunSchema>;

/** The ScalingLaw or ComputeBudget a run belongs to (its Job's controller owner). */
export interface RunOwner {
  readonly kind: 'ScalingLaw' | 'ComputeBudget';
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** One attempt of one run, with what its study says about how to run it. */
export interface RunJobRequest {
  readonly name: string;
  /** BullMQ job id of the run. */
  readonly jobId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly run: TrainRun;
  readonly owner: RunOwner;
  /** The ScalingLaw whose study this is (a final run's budget names it; absent for a budget on a preset). */
  readonly lawName?: string;
  /** The study's `spec.trainer`; absent: the built-in trainer. */
  readonly trainer?: TrainerTemplate;
  readonly kueue?: KueueSpec;
}

/** Installation-wide settings of run Jobs (the control plane's configuration). */
export interface RunJobSettings {
  /** The queue prefix, as the installation label. */
  readonly installation: string;
  /** Image of the built-in trainer (SCALEPLAN_WORKER_IMAGE). */
  readonly builtinImage: string;
  /** Base URL trainers POST reports to ('' = they print JSON lines). */
  readonly reportUrl: string;
  readonly finalRunPriorityClass: string;
  readonly sweepRunPriorityClass: string;
  readonly ttlSeconds: number;
  readonly timeoutSeconds: number;
}

/** Mount point of the built-in trainer's scratch volume (checkpoints). */
const SCRATCH_PATH = '/var/lib/scaleplan';
const RUN_DIR = TRAINER_RUN_FILE_PATH.slice(0, TRAINER_RUN_FILE_PATH.lastIndexOf('/'));
const RUN_FILE_KEY = TRAINER_RUN_FILE_PATH.slice(RUN_DIR.length + 1);
const MIB = 1024 * 1024;

/**
 * Memory for training a model of `paramsTotal` parameters: weights, gradients and two Adam moments in fp32
 * (16 B/param), doubled for activations and temporaries, plus 256 MiB for the runtime; rounded up to 64 MiB.
 */
export function runMemoryMiB(paramsTotal: number): number {
  return Math.ceil((256 * MIB + 32 * paramsTotal) / (64 * MIB)) * 64;
}

/** Parameters including embeddings, from the shape when known (the planned N excludes embeddings). */
const totalParams = (run: TrainRun): number =>
  run.params + (run.shape ? run.shape.vocabSize * run.shape.modelDim + run.shape.sequenceLength * run.shape.modelDim : 0);

/** Requests and limits: the template's, with memory (and, for the built-in trainer, one CPU) sized from the run where it says nothing. */
export function runResources(
  run: TrainRun,
  trainer: TrainerTemplate | undefined,
): { requests: Record<string, string>; limits: Record<string, string> } {
  const requests: Record<string, string> = { ...trainer?.resources?.requests };
  const limits: Record<string, string> = { ...trainer?.resources?.limits };
  if (!requests.memory) {
    const memory = `${runMemoryMiB(totalParams(run))}Mi`;
    requests.memory = memory;
    limits.memory ??= memory;
  }
  // The built-in trainer is single-threaded (TF.js wasm): one core is what it uses.
  if (!trainer && !requests.cpu) requests.cpu = '1';
  if (trainer?.gpusPerRun) limits['nvidia.com/gpu'] = String(trainer.gpusPerRun);
  return { requests, limits };
}

const labelsOf = (request: RunJobRequest, settings: RunJobSettings): Record<string, string> => ({
  [RunJobLabel.ManagedBy]: MANAGED_BY,
  [RunJobLabel.Component]: TRAINER_COMPONENT,
  [RunJobLabel.Installation]: labelValue(settings.installation),
  ...(request.lawName ? { [RunJobLabel.ScalingLaw]: labelValue(request.lawName) } : {}),
  ...(request.owner.kind === 'ComputeBudget' ? { [RunJobLabel.ComputeBudget]: labelValue(request.owner.name) } : {}),
  [RunJobLabel.Run]: labelValue(request.run.runId),
  [RunJobLabel.RunKind]: request.run.kind,
  [RunJobLabel.Attempt]: String(request.attempt),
  ...(request.kueue ? { [RunJobLabel.KueueQueue]: request.kueue.queueName } : {}),
  ...(request.kueue?.priorityClass ? { [RunJobLabel.KueuePriorityClass]: request.kueue.priorityClass } : {}),
});

/** The contract's environment variables for one attempt (docs/trainer-contract.md). */
function contractEnv(request: RunJobRequest, settings: RunJobSettings): V1EnvVar[] {
  const { run } = request;
  const env: V1EnvVar[] = [
    { name: TrainerEnv.RunFile, value: TRAINER_RUN_FILE_PATH },
    { name: TrainerEnv.RunId, value: run.runId },
    { name: TrainerEnv.RunKind, value: run.kind },
    { name: TrainerEnv.Attempt, value: String(request.attempt) },
    { name: TrainerEnv.Params, value: String(run.params) },
    { name: TrainerEnv.Tokens, value: String(run.tokens) },
    { name: TrainerEnv.Seed, value: String(run.seed) },
    { name: TrainerEnv.SequenceLength, value: String(run.sequenceLength) },
    { name: TrainerEnv.Corpus, value: run.corpus },
    { name: TrainerEnv.Tokenizer, value: run.tokenizer },
    ...(run.shape ? [{ name: TrainerEnv.Shape, value: JSON.stringify(run.shape satisfies ModelShape) }] : []),
    { name: TrainerEnv.RunToken, valueFrom: { secretKeyRef: { name: runTokenSecretName(request.name), key: 'token' } } },
  ];
  if (settings.reportUrl) env.push({ name: TrainerEnv.ReportUrl, value: `${settings.reportUrl.replace(/\/+$/, '')}/api/v1/runs/report` });
  return env;
}

/**
 * The batch/v1 Job of one attempt of a run. It is created suspended: the control plane releases it once its
 * run file and token exist, or Kueue admits it (`spec.kueue`). `backoffLimit: 0` because retries are BullMQ's:
 * each attempt is a Job of its own, and only the attempt that holds the run reports, so a result is never
 * counted twice.
 */
export function buildRunJob(request: RunJobRequest, settings: RunJobSettings): V1Job {
  const { run, trainer } = request;
  const labels = labelsOf(request, settings);
  const priorityClass = run.kind === RunKind.Final ? settings.finalRunPriorityClass : settings.sweepRunPriorityClass;
  const contract = contractEnv(request, settings);
  const contractNames = new Set(contract.map((e) => e.name));
  const env = [...(trainer?.env ?? []).filter((e) => !contractNames.has(e.name)), ...contract];
  if (!trainer) env.push({ name: 'SCALEPLAN_CHECKPOINT_DIR', value: `${SCRATCH_PATH}/checkpoints` });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: request.name,
      namespace: request.owner.namespace,
      labels,
      annotations: {
        [RunJobAnnotation.JobId]: request.jobId,
        [RunJobAnnotation.Params]: String(run.params),
        [RunJobAnnotation.Tokens]: String(run.tokens),
        ...(run.budgetFlops !== undefined ? { [RunJobAnnotation.BudgetFlops]: String(run.budgetFlops) } : {}),
      },
      ownerReferences: [
        { apiVersion: API_GROUP_VERSION, kind: request.owner.kind, name: request.owner.name, uid: request.owner.uid, controller: true },
      ],
    },
    spec: {
      suspend: true,
      backoffLimit: 0,
      activeDeadlineSeconds: trainer?.timeoutSeconds ?? settings.timeoutSeconds,
      ttlSecondsAfterFinished: settings.ttlSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(priorityClass ? { priorityClassName: priorityClass } : {}),
          ...(trainer?.serviceAccountName ? { serviceAccountName: trainer.serviceAccountName } : { automountServiceAccountToken: false }),
          ...(trainer?.nodeSelector ? { nodeSelector: trainer.nodeSelector } : {}),
          containers: [
            {
              name: TRAINER_COMPONENT,
              image: trainer?.image ?? settings.builtinImage,
              ...(trainer?.command ? { command: trainer.command } : {}),
              ...(trainer?.args ? { args: trainer.args } : {}),
              env,
              resources: runResources(run, trainer),
              // The end of the log says why a trainer failed; it becomes the run's failure reason.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [
                { name: 'run', mountPath: RUN_DIR, readOnly: true },
                ...(trainer ? [] : [{ name: 'scratch', mountPath: SCRATCH_PATH }]),
              ],
            },
          ],
          volumes: [
            { name: 'run', configMap: { name: runFileConfigMapName(request.name) } },
            ...(trainer ? [] : [{ name: 'scratch', emptyDir: {} }]),
          ],
        },
      },
    },
  };
}

/** The run file of an attempt (`TrainerRunSpec`). */
export function buildRunSpec(request: RunJobRequest, deadline: Date): TrainerRunSpec {
  const { run } = request;
  return {
    apiVersion: TRAINER_RUN_API_VERSION,
    kind: TRAINER_RUN_KIND,
    runId: run.runId,
    runKind: run.kind,
    attempt: request.attempt,
    owner: { kind: request.owner.kind, namespace: request.owner.namespace, name: request.owner.name },
    params: run.params,
    tokens: run.tokens,
    seed: run.seed,
    sequenceLength: run.sequenceLength,
    corpus: run.corpus,
    tokenizer: run.tokenizer,
    ...(run.shape ? { shape: run.shape } : {}),
    ...(run.budgetFlops !== undefined ? { budgetFlops: run.budgetFlops } : {}),
    ...(run.simulate ? { simulate: run.simulate } : {}),
    deadline: deadline.toISOString(),
  };
}

/** The Job as the owner of its ConfigMap and Secret, so both go when the Job goes (TTL or deletion). */
const ownedByJob = (job: { name: string; uid: string }): V1OwnerReference[] => [
  { apiVersion: 'batch/v1', kind: 'Job', name: job.name, uid: job.uid, controller: true },
];

export function buildRunFileConfigMap(job: { name: string; uid: string; namespace: string }, spec: TrainerRunSpec): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: runFileConfigMapName(job.name),
      namespace: job.namespace,
      labels: { [RunJobLabel.ManagedBy]: MANAGED_BY, [RunJobLabel.Component]: TRAINER_COMPONENT },
      ownerReferences: ownedByJob(job),
    },
    data: { [RUN_FILE_KEY]: `${JSON.stringify(spec, null, 2)}\n` },
  };
}

export function buildRunTokenSecret(job: { name: string; uid: string; namespace: string }, token: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: runTokenSecretName(job.name),
      namespace: job.namespace,
      labels: { [RunJobLabel.ManagedBy]: MANAGED_BY, [RunJobLabel.Component]: TRAINER_COMPONENT },
      ownerReferences: ownedByJob(job),
    },
    stringData: { token },
  };
}
