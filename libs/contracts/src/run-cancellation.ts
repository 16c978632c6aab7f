/**
 * How the control plane stops a run that is already training (BullMQ can only abort a job from the
 * process that runs it, `worker.cancelJob`). When a study is deleted the control plane, for each of its
 * active jobs:
 *  1. sets the key `runCancelKey(prefix, jobId)` (value: the reason, expires after a day), and
 *  2. publishes the job id on the channel `runCancelChannel(prefix)`.
 * A worker should subscribe to the channel (or poll the key between steps) and call
 * `worker.cancelJob(jobId, reason)`, then throw an `UnrecoverableError` from the processor.
 * Either way the control plane ignores any late result of a run whose owner is gone.
 */
export const runCancelKey = (prefix: string, jobId: string): string => `${prefix}:runs:cancel:${jobId}`;

/** Pub/sub channel carrying the ids of jobs to cancel (message = job id). */
export const runCancelChannel = (prefix: string): string => `${prefix}:runs:cancel`;

/** How long a cancellation marker lives (seconds). */
export const RUN_CANCEL_TTL_SECONDS = 86_400;
