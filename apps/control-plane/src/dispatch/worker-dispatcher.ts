/** Jobs of the runs queue, as the dispatcher needs them to size the worker pool. */
export interface WorkDemand {
  /** Jobs waiting (wait + prioritized + delayed retries). */
  readonly waiting: number;
  /** Jobs being processed. */
  readonly active: number;
}

/**
 * Makes sure workers exist while there is work: child processes in local mode
 * (`LocalWorkerDispatcher`), a scaled Deployment or Jobs in kubernetes mode (`src/kube/`).
 * `reconcileWorkers` is called often (on every queue change and periodically) and must be idempotent.
 */
export interface WorkerDispatcher {
  reconcileWorkers(demand: WorkDemand): Promise<void>;
  close(): Promise<void>;
}

/** DI token of the `WorkerDispatcher`. */
export const WORKER_DISPATCHER = Symbol('WORKER_DISPATCHER');
