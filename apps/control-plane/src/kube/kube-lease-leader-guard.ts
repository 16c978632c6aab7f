import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { LeadershipStatus } from '../leader/leader-guard.js';
import { LeaseLeaderGuard } from '../leader/lease-leader-guard.js';
import { apiStatusCode } from './kube-client.js';

/** Options of {@link KubeLeaseLeaderGuard}. */
export interface KubeLeaseOptions {
  readonly namespace: string;
  /** Name of the coordination.k8s.io/v1 Lease. */
  readonly name: string;
  /** How long the lease lasts without renewal: a crashed leader is replaced within this plus `retryMs`. */
  readonly leaseSeconds: number;
  /** This process in `holderIdentity`. @default `<hostname>_<random>` (in a pod: the pod name) */
  readonly identity?: string;
  /** Time between attempts to take or renew the lease (client-go's retryPeriod). @default 2000 */
  readonly retryMs?: number;
  /**
   * Called (awaited, errors logged) when this process starts or stops leading: kubernetes mode labels the
   * leader's pod so the Service sends traffic to it only.
   */
  readonly onRoleChange?: (leading: boolean) => Promise<void>;
}

/** A lease spec as read: times as epoch ms (client-node hands MicroTime back as a string or a Date). */
interface ObservedLease {
  readonly holder: string;
  readonly renewTime: number;
  readonly transitions: number;
}

/**
 * MicroTime as the API server parses it (RFC 3339 with exactly six fraction digits); client-node would send
 * JavaScript's three. The serializer passes strings through, hence the cast at the call sites.
 */
const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const epochMs = (value: unknown): number => (value === undefined || value === null ? 0 : new Date(value as string | Date).getTime());

/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: the holder renews
 * `renewTime` every `retryMs`; a candidate takes the lease once it has seen the same record unchanged for
 * `leaseDurationSeconds` on its own clock (so clocks need not agree), writing with the resourceVersion it read so
 * two candidates can't both win. A leader that can't renew within two thirds of the lease stops leading before
 * anyone else can take over. `stop` releases the lease (empty holder), so a standby takes over at its next try.
 */
export class KubeLeaseLeaderGuard extends LeaseLeaderGuard {
  readonly identity: string;
  /** With the leader's pod labelled for the Service, a standby is Ready (see LeaderGuard). */
  readonly standbyReady: boolean;
  private observed: ObservedLease | undefined;
  private observedAt = 0;
  private renewedAt = 0;
  private apiDown = false;

  constructor(
    private readonly api: Pick<CoordinationV1Api, 'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'>,
    private readonly options: KubeLeaseOptions,
    log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    super(log, options.onRoleChange);
    this.identity = options.identity || `${hostname()}_${randomBytes(3).toString('hex')}`;
    this.standbyReady = options.onRoleChange !== undefined;
  }

  private get lease(): string {
    return `${this.options.namespace}/${this.options.name}`;
  }

  protected get retryMs(): number {
    return this.options.retryMs ?? 2000;
  }

  status(): LeadershipStatus {
    switch (this.state) {
      case 'leading':
        return this.describe(`This control plane is the leader (Lease ${this.lease})`);
      case 'standby':
        return this.describe(
          `Standby: ${this.holder ?? '(unknown)'} holds the Lease ${this.lease}; ` +
            `this control plane takes over when it stops, or within ${this.options.leaseSeconds} s of its crash`,
        );
      case 'lost':
        return this.describe(`Lost the Lease ${this.lease}${this.holder ? ` to ${this.holder}` : ''}; restart this process`);
      case 'campaigning':
        return this.describe(`Waiting for the Kubernetes API to campaign for the Lease ${this.lease}`);
    }
  }

  async stop(): Promise<void> {
    if (!(await this.halt())) return;
    await this.roleChanged(false);
    try {
      const lease = await this.api.readNamespacedLease({ name: this.options.name, namespace: this.options.namespace });
      if (lease.spec?.holderIdentity !== this.identity) return;
      const now = microTime(this.now());
      await this.api.replaceNamespacedLease({
        name: this.options.name,
        namespace: this.options.namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now as unknown as Date } },
      });
      this.log.info({ lease: this.lease, identity: this.identity }, 'Released the leader Lease');
    } catch (error) {
      this.log.warn({ err: (error as Error).message, lease: this.lease }, 'Could not release the leader Lease; it expires by itself');
    }
  }

  protected async tryOnce(): Promise<void> {
    let won: boolean;
    try {
      won = await this.tryAcquireOrRenew();
      if (this.apiDown) this.log.info({ lease: this.lease }, 'Reached the Kubernetes API again');
      this.apiDown = false;
    } catch (error) {
      if (!this.apiDown)
        this.log.warn({ err: (error as Error).message, lease: this.lease, state: this.state }, 'Could not reach the leader Lease');
      this.apiDown = true;
      won = false;
    }
    if (this.stopped) return;
    const now = this.now();
    if (won) {
      this.renewedAt = now;
      return this.startLeading({ lease: this.lease, identity: this.identity }, 'Acquired the leader Lease');
    }
    if (this.state === 'leading') {
      // Stop writing before the lease can expire for the others (client-go's renewDeadline).
      if (this.holder === this.identity && now - this.renewedAt < (this.options.leaseSeconds * 1000 * 2) / 3) return;
      const reason =
        this.holder && this.holder !== this.identity
          ? `control plane ${this.holder} took the Lease ${this.lease}`
          : `could not renew the Lease ${this.lease} for ${Math.round((now - this.renewedAt) / 1000)} s`;
      return this.loseLeadership(reason, { lease: this.lease, holder: this.holder, reason }, 'Lost the leader Lease');
    }
    if (this.holder) this.standBy({ lease: this.lease, holder: this.holder }, 'Waiting as standby for the leader Lease');
  }

  /** True when this process holds the lease after the attempt. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, leaseSeconds } = this.options;
    const now = this.now();
    let lease: V1Lease;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (apiStatusCode(error) !== 404) throw error;
      return this.write(() =>
        this.api.createNamespacedLease({
          namespace,
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: this.spec(now, now, 0) },
        }),
      );
    }
    const spec = lease.spec ?? {};
    const record: ObservedLease = {
      holder: spec.holderIdentity ?? '',
      renewTime: epochMs(spec.renewTime),
      transitions: spec.leaseTransitions ?? 0,
    };
    if (!this.observed || this.observed.holder !== record.holder || this.observed.renewTime !== record.renewTime) {
      this.observed = record;
      this.observedAt = now;
    }
    this.holder = record.holder || undefined;
    const ours = record.holder === this.identity;
    const duration = (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
    if (record.holder && !ours && this.observedAt + duration > now) return false;
    const acquired = ours ? epochMs(spec.acquireTime) || now : now;
    const transitions = ours ? record.transitions : record.transitions + 1;
    return this.write(() =>
      this.api.replaceNamespacedLease({ name, namespace, body: { ...lease, spec: this.spec(now, acquired, transitions) } }),
    );
  }

  private spec(now: number, acquired: number, transitions: number): V1Lease['spec'] {
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.options.leaseSeconds,
      acquireTime: microTime(acquired) as unknown as Date,
      renewTime: microTime(now) as unknown as Date,
      leaseTransitions: transitions,
    };
  }

  /** A create or replace that loses the race (409) is a lost attempt, not an error. */
  private async write(call: () => Promise<V1Lease>): Promise<boolean> {
    try {
      const written = await call();
      this.holder = written.spec?.holderIdentity ?? this.identity;
      this.observed = {
        holder: this.identity,
        renewTime: epochMs(written.spec?.renewTime),
        transitions: written.spec?.leaseTransitions ?? 0,
      };
      this.observedAt = this.now();
      return true;
    } catch (error) {
      if (apiStatusCode(error) === 409) return false;
      throw error;
    }
  }
}
