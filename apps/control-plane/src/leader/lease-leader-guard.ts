import type { Logger } from 'pino';
import type { LeaderGuard, LeadershipHandlers, LeadershipState, LeadershipStatus } from './leader-guard.js';

/**
 * What every lease-based `LeaderGuard` shares, whatever holds the lease (a Redis key, a coordination.k8s.io
 * Lease): campaigning every `retryMs` with one attempt at a time, the state machine around an attempt's
 * outcome (leading, standby, lost for good), and stopping. A subclass makes the attempt (`tryOnce`) and
 * says what its lease is (`status`, `stop`).
 */
export abstract class LeaseLeaderGuard implements LeaderGuard {
  abstract readonly identity: string;
  protected state: LeadershipState = 'campaigning';
  /** The current holder of the lease, when known. */
  protected holder: string | undefined;
  protected stopped = false;
  private handlers: LeadershipHandlers | undefined;
  private timer: NodeJS.Timeout | undefined;
  private attempt: Promise<void> | undefined;

  /**
   * @param onRoleChange called (awaited, errors logged) when this process starts or stops leading, before the
   *   handlers hear of it.
   */
  protected constructor(
    protected readonly log: Logger,
    private readonly onRoleChange?: (leading: boolean) => Promise<void>,
  ) {}

  /** Time between two attempts to take or renew the lease. */
  protected abstract get retryMs(): number;

  /** One attempt to take or renew the lease; it ends in `startLeading`, `loseLeadership` or `standBy` (or none). */
  protected abstract tryOnce(): Promise<void>;

  abstract status(): LeadershipStatus;

  abstract stop(): Promise<void>;

  async start(handlers: LeadershipHandlers): Promise<void> {
    this.handlers = handlers;
    await this.campaign();
    this.timer = setInterval(() => void this.campaign(), this.retryMs);
    this.timer.unref();
  }

  isLeader(): boolean {
    return this.state === 'leading';
  }

  /** The status in `state` with the given sentence. */
  protected describe(message: string): LeadershipStatus {
    return { state: this.state, identity: this.identity, ...(this.holder ? { holder: this.holder } : {}), message };
  }

  /**
   * Stops campaigning and waits out the attempt in flight. True when this process was leading: it is `lost`
   * now, and the caller hands the lease back.
   */
  protected async halt(): Promise<boolean> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.attempt?.catch(() => undefined);
    if (this.state !== 'leading') return false;
    this.state = 'lost';
    return true;
  }

  /** This process holds the lease now: it leads, once. */
  protected async startLeading(fields: object, message: string): Promise<void> {
    if (this.state === 'leading') return;
    this.state = 'leading';
    this.log.info(fields, message);
    if (this.onRoleChange) await this.roleChanged(true);
    this.handlers?.onStartedLeading();
  }

  /** The leader lost the lease: it stops campaigning for good and tells its handlers why. */
  protected async loseLeadership(reason: string, fields: object, message: string): Promise<void> {
    this.state = 'lost';
    if (this.timer) clearInterval(this.timer);
    this.log.error(fields, message);
    if (this.onRoleChange) await this.roleChanged(false);
    this.handlers?.onStoppedLeading(reason);
  }

  /** Another process holds the lease: wait as standby (said once). */
  protected standBy(fields: object, message: string): void {
    if (this.state !== 'standby') this.log.info(fields, message);
    this.state = 'standby';
  }

  /** Runs `onRoleChange`, logging (not throwing) its errors. */
  protected async roleChanged(leading: boolean): Promise<void> {
    try {
      await this.onRoleChange?.(leading);
    } catch (error) {
      this.log.warn({ err: (error as Error).message, leading }, 'Could not update the leader label');
    }
  }

  /** One attempt at a time: a slow lease store must not pile them up. */
  private campaign(): Promise<void> {
    if (this.stopped || this.state === 'lost') return Promise.resolve();
    this.attempt ??= this.tryOnce().finally(() => (this.attempt = undefined));
    return this.attempt;
  }
}
