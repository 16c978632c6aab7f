import { type BatchV1Api, type CoreV1Api, PatchStrategy, setHeaderOptions, type V1Job, type V1Pod } from '@kubernetes/client-node';
import {
  API_GROUP_VERSION,
  RunKind,
  trainRunSchema,
  type ComputeBudget,
  type ScalingLaw,
  type TrainingOutcome,
} from '@scaleplan/contracts';
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { CoalescedPasses } from '../../dispatch/coalesced-passes.js';
import type { WorkDemand, WorkerDispatcher } from '../../dispatch/worker-dispatcher.js';
import type { ResourceStore } from '../../resources/resource-store.js';
import { apiStatusCode, toControlPlaneError } from '../kube-client.js';
import type { EventSubject, EventType } from '../kube-event-recorder.js';
import type { RunClaims } from './run-claims.js';
import {
  buildRunFileConfigMap,
  buildRunJob,
  buildRunSpec,
  buildRunTokenSecret,
  type RunJobRequest,
  type RunJobSettings,
  type RunOwner,
} from './run-job-manifest.js';
import { labelValue, MANAGED_BY, RunJobLabel, runJobName } from './run-job-names.js';
import type { RunReportStore } from './run-report-store.js';
import { outcomeFromReports, parseReportLines } from './trainer-outcome.js';

type TrainRun = z.output<typeof trainRunSchema>;

/** Reasons of the Warning Events a failed run leaves on its study. */
export const RunJobEventReason = {
  RunAttemptFailed: 'RunAttemptFailed',
  RunFailed: 'RunFailed',
  RunJobRejected: 'RunJobRejected',
} as const;

/** Options of a `RunJobDispatcher`. */
export interface RunJobDispatcherOptions extends RunJobSettings {
  /** Most run Jobs at once, suspended ones included (SCALEPLAN_WORKERS_MAX). */
  readonly maxJobs: number;
  /** Namespace to list run Jobs in ('' = all). */
  readonly namespace: string;
}

/** What the dispatcher needs of the cluster and the rest of the control plane. */
export interface RunJobDispatcherDeps {
  readonly batch: Pick<
    BatchV1Api,
    'createNamespacedJob' | 'patchNamespacedJob' | 'deleteNamespacedJob' | 'listNamespacedJob' | 'listJobForAllNamespaces'
  >;
  readonly core: Pick<CoreV1Api, 'createNamespacedConfigMap' | 'createNamespacedSecret' | 'listNamespacedPod' | 'readNamespacedPodLog'>;
  readonly claims: RunClaims;
  readonly reports: RunReportStore;
  readonly laws: Pick<ResourceStore<ScalingLaw>, 'get'>;
  readonly budgets: Pick<ResourceStore<ComputeBudget>, 'get'>;
  readonly recordEvent: (subject: EventSubject, type: EventType, reason: string, message: string) => Promise<void>;
  readonly log: Logger;
}

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** A token outlives its run's deadline by this much, so a trainer can still report a result in its last seconds. */
const TOKEN_GRACE_SECONDS = 300;

const conditionOf = (job: V1Job, type: string) => job.status?.conditions?.find((c) => c.type === type && c.status === 'True');

/** The run's study resources: the owner (for the ownerReference) and the ScalingLaw whose trainer and queue it uses. */
interface RunStudy {
  readonly owner: RunOwner;
  readonly subject: EventSubject;
  readonly law?: ScalingLaw;
}

/**
 * Dispatch mode `jobs`: every run becomes a batch/v1 Job. Each pass (on every queue change and every
 * couple of seconds) it looks after the runs it holds — renews their locks, releases suspended Jobs whose
 * run file and token exist, and completes or fails a run once its Job has finished — then takes new runs
 * from BullMQ, in BullMQ's order, while fewer than `maxJobs` Jobs exist. A run is held under one lock token
 * from `take` until its Job's result is stored, and the Job of an attempt has a deterministic name, so a
 * restarted control plane picks up where the last one stopped.
 */
export class RunJobDispatcher implements WorkerDispatcher {
  /** Jobs whose run file and token are known to exist (so kueue-suspended Jobs aren't re-checked every pass). */
  private readonly released = new Set<string>();
  private readonly passes = new CoalescedPasses(
    () => this.pass(),
    // The next kick or tick retries.
    (error) => this.deps.log.warn({ err: error.message }, 'Failed to dispatch run Jobs'),
  );

  constructor(
    private readonly deps: RunJobDispatcherDeps,
    private readonly options: RunJobDispatcherOptions,
  ) {}

  reconcileWorkers(_demand?: WorkDemand): Promise<void> {
    return this.passes.request();
  }

  close(): Promise<void> {
    return this.passes.close();
  }

  private get closed(): boolean {
    return this.passes.closed;
  }

  /** One pass: look after the held runs, then take new ones. */
  private async pass(): Promise<void> {
    const { claims } = this.deps;
    const held = await claims.held();
    const jobs = await this.listRunJobs();
    const cancelled = await claims.cancellations(held);
    const going: Job[] = [];
    for (const run of held) {
      if (this.closed) return;
      if (await this.tend(run, jobs, cancelled.get(run.id as string))) going.push(run);
    }
    await claims.extend(going);
    let slots = this.options.maxJobs - going.length;
    while (slots > 0 && !this.closed) {
      const run = await claims.take();
      if (!run) break;
      if (await this.launch(run)) slots -= 1;
    }
  }

  /** Run Jobs of this installation, by `namespace/name`. */
  private async listRunJobs(): Promise<Map<string, V1Job>> {
    const labelSelector = `${RunJobLabel.ManagedBy}=${MANAGED_BY},${RunJobLabel.Installation}=${labelValue(this.options.installation)}`;
    const list = this.options.namespace
      ? await this.deps.batch.listNamespacedJob({ namespace: this.options.namespace, labelSelector })
      : await this.deps.batch.listJobForAllNamespaces({ labelSelector });
    return new Map(list.items.map((job) => [`${job.metadata?.namespace}/${job.metadata?.name}`, job]));
  }

  private parse(run: Job): TrainRun | undefined {
    const parsed = trainRunSchema.safeParse(run.data);
    return parsed.success ? parsed.data : undefined;
  }

  private nameOf(run: Job, payload: TrainRun): string {
    return runJobName(this.options.installation, payload.owner, payload.runId, run.attemptsMade + 1);
  }

  /** Looks after one held run; true while its Job is still going. */
  private async tend(run: Job, jobs: ReadonlyMap<string, V1Job>, cancelReason: string | undefined): Promise<boolean> {
    const payload = this.parse(run);
    if (!payload) {
      await this.deps.claims.fail(run, `Rejected job ${run.id}: its payload is not a TrainRun`, true);
      return false;
    }
    const attempt = run.attemptsMade + 1;
    const name = this.nameOf(run, payload);
    const job = jobs.get(`${payload.owner.namespace}/${name}`);
    if (cancelReason !== undefined) {
      if (job) await this.deleteJob(payload.owner.namespace, name);
      await this.deps.claims.fail(run, `run cancelled: ${cancelReason}`, true);
      await this.deps.claims.acknowledgeCancellation(run);
      await this.endAttempt(run.id as string, payload.owner.namespace, name, attempt);
      this.deps.log.info({ jobId: run.id, job: name, reason: cancelReason }, 'Cancelled run Job');
      return false;
    }
    if (!job) {
      // A Job that was created (its token exists) and is gone was deleted or collected before we saw it finish.
      if (await this.deps.reports.hasToken(run.id as string, attempt)) {
        const posted = await this.deps.reports.reports(run.id as string, attempt);
        if (posted.result) return !(await this.finishWithResult(run, payload, name, posted.result, posted.progress, undefined));
        await this.failAttempt(run, payload, name, `the Job ${name} was deleted before its run reported a result`);
        return false;
      }
      return this.launch(run);
    }
    if (conditionOf(job, 'Complete') || conditionOf(job, 'Failed')) {
      await this.finish(run, payload, job);
      return false;
    }
    await this.release(run, payload, job);
    return true;
  }

  /** Creates the Job of a newly taken run (or of a held run whose Job never got created); true when it exists now. */
  private async launch(run: Job): Promise<boolean> {
    const payload = this.parse(run);
    if (!payload) {
      await this.deps.claims.fail(run, `Rejected job ${run.id}: its payload is not a TrainRun`, true);
      return false;
    }
    const study = await this.studyOf(payload);
    if (!study) {
      await this.deps.claims.fail(
        run,
        `the ${ownerKindOf(payload)} ${payload.owner.namespace}/${payload.owner.name} no longer exists`,
        true,
      );
      return false;
    }
    const request = this.requestFor(run, payload, study);
    try {
      const job = await this.deps.batch.createNamespacedJob({
        namespace: request.owner.namespace,
        body: buildRunJob(request, this.options),
        fieldManager: 'scaleplan-control-plane',
      });
      this.deps.log.info(
        { jobId: run.id, job: `${request.owner.namespace}/${request.name}`, attempt: request.attempt, kueue: request.kueue?.queueName },
        'Created run Job',
      );
      await this.release(run, payload, job, request);
      return true;
    } catch (error) {
      const status = apiStatusCode(error);
      if (status === 409) return true; // created by an earlier pass whose answer was lost: the next pass adopts it
      if (status === 400 || status === 403 || status === 422) {
        // The study's template (or our rights) can't make a Job; no retry would change that.
        const reason = `the run's Job was rejected: ${toControlPlaneError(error, `creating Job ${request.name}`).message}`;
        await this.deps.claims.fail(run, reason, true);
        await this.deps.recordEvent(study.subject, 'Warning', RunJobEventReason.RunJobRejected, `Run ${payload.runId}: ${reason}`);
        return false;
      }
      throw error; // the API is unavailable: the run stays held and the next pass tries again
    }
  }

  /**
   * Makes sure a Job's run file and token exist, then lets it start: unsuspends it, unless Kueue admits it
   * (then Kueue unsuspends it, or anyone else who does Kueue's job).
   */
  private async release(run: Job, payload: TrainRun, job: V1Job, known?: RunJobRequest): Promise<void> {
    const name = job.metadata!.name!;
    const namespace = job.metadata!.namespace!;
    const kueue = job.metadata?.labels?.[RunJobLabel.KueueQueue];
    if (this.released.has(`${namespace}/${name}`) && (kueue || !job.spec?.suspend)) return;
    if (!this.released.has(`${namespace}/${name}`)) {
      const request = known ?? (await this.requestForHeld(run, payload));
      if (!request) return; // the study is gone; its finalizer cancels the run
      const timeoutSeconds = job.spec?.activeDeadlineSeconds ?? this.options.timeoutSeconds;
      const deadline = new Date(Date.now() + timeoutSeconds * 1000);
      const owner = { name, namespace, uid: job.metadata!.uid! };
      const token = await this.deps.reports.issueToken(
        { jobId: run.id as string, attempt: request.attempt, jobName: name, namespace },
        timeoutSeconds + TOKEN_GRACE_SECONDS,
      );
      await ignoreConflict(this.deps.core.createNamespacedSecret({ namespace, body: buildRunTokenSecret(owner, token) }));
      await ignoreConflict(
        this.deps.core.createNamespacedConfigMap({ namespace, body: buildRunFileConfigMap(owner, buildRunSpec(request, deadline)) }),
      );
      this.released.add(`${namespace}/${name}`);
    }
    if (!kueue && job.spec?.suspend) {
      await this.deps.batch.patchNamespacedJob(
        { name, namespace, body: { spec: { suspend: false } }, fieldManager: 'scaleplan-control-plane' },
        MERGE_PATCH,
      );
    }
  }

  private async requestForHeld(run: Job, payload: TrainRun): Promise<RunJobRequest | undefined> {
    const study = await this.studyOf(payload);
    return study ? this.requestFor(run, payload, study) : undefined;
  }

  private requestFor(run: Job, payload: TrainRun, study: RunStudy): RunJobRequest {
    const law = study.law;
    return {
      name: this.nameOf(run, payload),
      jobId: run.id as string,
      attempt: run.attemptsMade + 1,
      run: payload,
      owner: study.owner,
      ...(law ? { lawName: law.metadata.name } : {}),
      ...(law?.spec.trainer ? { trainer: law.spec.trainer } : {}),
      ...(law?.spec.kueue ? { kueue: law.spec.kueue } : {}),
    };
  }

  /** The run's owner and the ScalingLaw it uses (a final run: its budget's law, if the budget names one). */
  private async studyOf(payload: TrainRun): Promise<RunStudy | undefined> {
    const ref = payload.owner;
    if (payload.kind === RunKind.Sweep) {
      const law = await this.deps.laws.get(ref);
      if (!law?.metadata.uid) return undefined;
      return { owner: { kind: 'ScalingLaw', ...ref, uid: law.metadata.uid }, subject: subjectOf(law), law };
    }
    const budget = await this.deps.budgets.get(ref);
    if (!budget?.metadata.uid) return undefined;
    const law = budget.spec.scalingLaw ? await this.deps.laws.get({ namespace: ref.namespace, name: budget.spec.scalingLaw }) : undefined;
    return { owner: { kind: 'ComputeBudget', ...ref, uid: budget.metadata.uid }, subject: subjectOf(budget), ...(law ? { law } : {}) };
  }

  /** A finished Job: its run completes with the reported result, or the attempt fails saying why. */
  private async finish(run: Job, payload: TrainRun, job: V1Job): Promise<void> {
    const name = job.metadata!.name!;
    const failed = conditionOf(job, 'Failed');
    const pod = await this.latestPod(job);
    if (failed) {
      const deadline = failed.reason === 'DeadlineExceeded';
      const reason = deadline
        ? `the run exceeded its deadline of ${job.spec?.activeDeadlineSeconds}s without finishing (Job ${name}); it is not retried, since a retry would run as long`
        : `the trainer failed: ${describeTermination(pod) ?? failed.message ?? failed.reason ?? 'the Job failed'} (Job ${name})`;
      await this.failAttempt(run, payload, name, reason, deadline);
      return;
    }
    const posted = await this.deps.reports.reports(run.id as string, run.attemptsMade + 1);
    let result = posted.result;
    let progress = posted.progress;
    let invalid: string[] = [];
    if (!result) {
      const fromLog = parseReportLines(pod ? await this.podLog(pod) : '');
      result = fromLog.result;
      if (progress.length === 0) progress = fromLog.progress;
      invalid = fromLog.invalid;
    }
    if (!result) {
      const why =
        invalid.length > 0
          ? `its report lines were invalid: ${invalid.slice(0, 3).join(' | ')}`
          : 'it neither POSTed a result nor printed a {"scaleplan":"result",…} line (docs/trainer-contract.md)';
      await this.failAttempt(run, payload, name, `the trainer exited successfully without reporting a result: ${why} (Job ${name})`);
      return;
    }
    await this.finishWithResult(run, payload, name, result, progress, job);
  }

  /** Completes the run with a trainer's result; a result that can't be used fails the run for good (a retry reports the same). */
  private async finishWithResult(
    run: Job,
    payload: TrainRun,
    name: string,
    result: Parameters<typeof outcomeFromReports>[1],
    progress: Parameters<typeof outcomeFromReports>[2],
    job: V1Job | undefined,
  ): Promise<boolean> {
    const finishedAt = job?.status?.completionTime ? new Date(job.status.completionTime) : new Date();
    const startedAt = job?.status?.startTime ? new Date(job.status.startTime) : undefined;
    const image = job?.spec?.template.spec?.containers[0]?.image ?? 'unknown';
    const made = outcomeFromReports(payload, result, progress, { image, finishedAt, ...(startedAt ? { startedAt } : {}) });
    if ('reason' in made) {
      await this.failAttempt(run, payload, name, `the trainer's result was unusable: ${made.reason} (Job ${name})`, true);
      return true;
    }
    await this.complete(run, payload, name, made.outcome);
    return true;
  }

  private async complete(run: Job, payload: TrainRun, name: string, outcome: TrainingOutcome): Promise<void> {
    const attempt = run.attemptsMade + 1;
    await this.deps.claims.complete(run, outcome);
    await this.endAttempt(run.id as string, payload.owner.namespace, name, attempt);
    this.deps.log.info({ jobId: run.id, job: name, finalLoss: outcome.finalLoss, status: outcome.status }, 'Completed run from its Job');
  }

  /** Fails an attempt (BullMQ retries unless `final` or the attempts are spent) and leaves a Warning Event on the study. */
  private async failAttempt(run: Job, payload: TrainRun, name: string, reason: string, final = false): Promise<void> {
    const attempt = run.attemptsMade + 1;
    const lastAttempt = final || attempt >= (run.opts.attempts ?? 1);
    await this.deps.claims.fail(run, reason, final);
    await this.endAttempt(run.id as string, payload.owner.namespace, name, attempt);
    this.deps.log.warn({ jobId: run.id, job: name, reason, retried: !lastAttempt }, 'Failed run attempt');
    const study = await this.studyOf(payload);
    if (!study) return;
    await this.deps.recordEvent(
      study.subject,
      'Warning',
      lastAttempt ? RunJobEventReason.RunFailed : RunJobEventReason.RunAttemptFailed,
      lastAttempt ? `Run ${payload.runId} failed: ${reason}` : `Run ${payload.runId} attempt ${attempt} failed (retrying): ${reason}`,
    );
  }

  /** An attempt is over: its token stops working and its posted reports are dropped. */
  private async endAttempt(jobId: string, namespace: string, name: string, attempt: number): Promise<void> {
    this.released.delete(`${namespace}/${name}`);
    await this.deps.reports.revoke(jobId, attempt);
  }

  private async deleteJob(namespace: string, name: string): Promise<void> {
    try {
      await this.deps.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' });
    } catch (error) {
      if (apiStatusCode(error) !== 404) throw error;
    }
  }

  private async latestPod(job: V1Job): Promise<V1Pod | undefined> {
    const pods = await this.deps.core.listNamespacedPod({
      namespace: job.metadata!.namespace!,
      labelSelector: `batch.kubernetes.io/job-name=${job.metadata!.name}`,
    });
    return [...pods.items].sort((a, b) =>
      String(b.metadata?.creationTimestamp?.toISOString?.() ?? b.metadata?.creationTimestamp ?? '').localeCompare(
        String(a.metadata?.creationTimestamp?.toISOString?.() ?? a.metadata?.creationTimestamp ?? ''),
      ),
    )[0];
  }

  private async podLog(pod: V1Pod): Promise<string> {
    try {
      return await this.deps.core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: pod.metadata!.namespace! });
    } catch (error) {
      if (apiStatusCode(error) === 404) return '';
      throw error;
    }
  }
}

const ownerKindOf = (payload: TrainRun): string => (payload.kind === RunKind.Final ? 'ComputeBudget' : 'ScalingLaw');

const subjectOf = (resource: ScalingLaw | ComputeBudget): EventSubject => ({
  apiVersion: API_GROUP_VERSION,
  kind: resource.kind,
  metadata: {
    name: resource.metadata.name,
    ...(resource.metadata.namespace ? { namespace: resource.metadata.namespace } : {}),
    ...(resource.metadata.uid ? { uid: resource.metadata.uid } : {}),
  },
});

/** "exited with code 3 (Error): <the end of its log>" from a pod's container status. */
export function describeTermination(pod: V1Pod | undefined): string | undefined {
  const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
  if (!terminated) return undefined;
  const message = terminated.message?.trim();
  return `exited with code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}${message ? `: ${message.slice(-500)}` : ''}`;
}

async function ignoreConflict(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (apiStatusCode(error) !== 409) throw error;
  }
}
