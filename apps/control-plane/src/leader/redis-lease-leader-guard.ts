import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { LeadershipStatus } from './leader-guard.js';
import { LeaseLeaderGuard } from './lease-leader-guard.js';

// Take the lease when it is free, renew it when it is ours; otherwise report who holds it and for how long.
const ACQUIRE_OR_RENEW = `
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, ARGV[1], tonumber(ARGV[2])}
end
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, holder, tonumber(ARGV[2])}
end
return {0, holder, redis.call('PTTL', KEYS[1])}
`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** Options of {@link RedisLeaseLeaderGuard}. */
export interface RedisLeaseOptions {
  /** Key of the lease, e.g. `<prefix>:cp:leader`. */
  readonly key: string;
  /** How long the lease lasts without renewal: a crashed leader is replaced after at most this. */
  readonly leaseMs: number;
  /** How this process is named in the lease. @default `<hostname>:<pid>:<random>` */
  readonly identity?: string;
}

/**
 * Single-writer guard on a Redis lease: `SET key identity PX lease` when free, renewed every third of the
 * lease by its holder (both in one script, so taking and renewing cannot interleave with another
 * process). A holder that cannot reach Redis keeps leading: nobody else can take the lease while Redis
 * is down, and when Redis is back the first renewal either keeps it or, if another process got it
 * first (the key expired meanwhile), hands over. Leadership lost that way is final (`LeaderGuard`).
 */
export class RedisLeaseLeaderGuard extends LeaseLeaderGuard {
  readonly identity: string;
  private holderTtlMs: number | undefined;
  private redisDown = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisLeaseOptions,
    log: Logger,
  ) {
    super(log);
    this.identity = options.identity ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  protected get retryMs(): number {
    return Math.max(100, Math.floor(this.options.leaseMs / 3));
  }

  status(): LeadershipStatus {
    const leaseSeconds = Math.ceil(this.options.leaseMs / 1000);
    switch (this.state) {
      case 'leading':
        return this.describe(`This control plane is the leader (lease ${this.options.key})`);
      case 'standby':
        return this.describe(
          `Standby: control plane ${this.holder ?? '(unknown)'} holds the single-writer lease ${this.options.key}; ` +
            `this one takes over when it stops, or within ${leaseSeconds} s of its crash`,
        );
      case 'lost':
        return this.describe(
          `Lost the single-writer lease ${this.options.key} to ${this.holder ?? 'another control plane'}; restart this process`,
        );
      case 'campaigning':
        return this.describe(`Waiting for Redis to campaign for the single-writer lease ${this.options.key}`);
    }
  }

  async stop(): Promise<void> {
    if (!(await this.halt())) return;
    await this.redis
      .eval(RELEASE, 1, this.options.key, this.identity)
      .catch((error: unknown) =>
        this.log.warn({ err: error, lease: this.options.key }, 'Could not release the leader lease; it expires by itself'),
      );
  }

  protected async tryOnce(): Promise<void> {
    let result: [number, string, number];
    try {
      result = (await this.redis.eval(ACQUIRE_OR_RENEW, 1, this.options.key, this.identity, String(this.options.leaseMs))) as [
        number,
        string,
        number,
      ];
    } catch (error) {
      if (!this.redisDown)
        this.log.warn({ err: error, lease: this.options.key, state: this.state }, 'Could not reach Redis to renew the leader lease');
      this.redisDown = true;
      return;
    }
    this.redisDown = false;
    if (this.stopped) return;
    const [won, holder, ttlMs] = result;
    this.holder = holder;
    this.holderTtlMs = ttlMs;
    if (won === 1) return this.startLeading({ lease: this.options.key, identity: this.identity }, 'Acquired the leader lease');
    if (this.state === 'leading') {
      const reason = `control plane ${holder} took the single-writer lease ${this.options.key}`;
      return this.loseLeadership(reason, { lease: this.options.key, holder }, 'Lost the leader lease');
    }
    this.standBy({ lease: this.options.key, holder, ttlMs: this.holderTtlMs }, 'Waiting as standby for the leader lease');
  }
}
