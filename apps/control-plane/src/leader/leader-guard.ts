/** Where a control plane stands with the single-writer role. */
export type LeadershipState = 'campaigning' | 'leading' | 'standby' | 'lost';

/** What /readyz and the standby's 503 answers say about leadership. */
export interface LeadershipStatus {
  readonly state: LeadershipState;
  /** This process, as the lease names it. */
  readonly identity: string;
  /** The current holder of the lease, when known. */
  readonly holder?: string;
  /** A sentence for humans. */
  readonly message: string;
}

/** What a `LeaderGuard` calls when this process gains or loses the role. */
export interface LeadershipHandlers {
  /** This process became the one writer: start the control loops. Called at most once. */
  onStartedLeading(): void;
  /** Another process holds the role now: stop writing at once. Called at most once, after `onStartedLeading`. */
  onStoppedLeading(reason: string): void;
}

/**
 * Makes one control plane the single writer of a prefix (stores, runs, fits, queue): the others wait as
 * standby until the holder stops or crashes. Local mode uses a Redis lease (`RedisLeaseLeaderGuard`);
 * kubernetes mode plugs in a coordination.k8s.io Lease behind the same interface (token `LEADER_GUARD`).
 * A process that lost the role does not campaign again: its caches may be stale, so it stops and a
 * supervisor restarts it.
 */
export interface LeaderGuard {
  /** Begins campaigning; resolves after the first attempt, so a lone control plane leads when it returns. */
  start(handlers: LeadershipHandlers): Promise<void>;
  /** True while this process holds the role. */
  isLeader(): boolean;
  status(): LeadershipStatus;
  /**
   * A standby counts as ready on /readyz. Kubernetes mode sets it when the Service routes by the leader's pod
   * label (kube/leader-pod-label.ts): standbys then stay Ready, so a PodDisruptionBudget can drain one replica
   * at a time. @default false
   */
  readonly standbyReady?: boolean;
  /** Stops campaigning and hands the role back when held, so a standby takes over at once. */
  stop(): Promise<void>;
}

/** DI token of the `LeaderGuard` (later providers with the same token win, as kubernetes mode's does). */
export const LEADER_GUARD = Symbol('LEADER_GUARD');
