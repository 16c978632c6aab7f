import { createHash, randomBytes } from 'node:crypto';
import type { TrainerProgressReport, TrainerResultReport } from '@scaleplan/contracts';
import type { Redis } from 'ioredis';

/** The attempt a run token was issued for. */
export interface RunTokenClaim {
  /** BullMQ job id of the run. */
  readonly jobId: string;
  readonly attempt: number;
  /** Name and namespace of the attempt's Job. */
  readonly jobName: string;
  readonly namespace: string;
}

/** Progress points kept per attempt (the curve of a long run is thinned by the trainer, not here). */
const MAX_PROGRESS_POINTS = 5000;

/**
 * Run tokens and the reports trainers POST, in Redis so that every control-plane replica can take a
 * report and whichever is leader collects it. A token is random, stored only as its SHA-256, valid for
 * one attempt, and expires at the run's deadline or when the attempt ends (`revoke`). The first result
 * of an attempt wins: a second is refused, so a trainer that reports twice is counted once.
 */
export class RunReportStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private tokenKey(token: string): string {
    return `${this.prefix}:cp:run-token:${createHash('sha256').update(token).digest('hex')}`;
  }
  private reportKey(jobId: string, attempt: number): string {
    return `${this.prefix}:cp:run-report:${jobId}:${attempt}`;
  }
  private progressKey(jobId: string, attempt: number): string {
    return `${this.reportKey(jobId, attempt)}:progress`;
  }
  private tokenIndexKey(jobId: string, attempt: number): string {
    return `${this.reportKey(jobId, attempt)}:token`;
  }

  /** Issues the token of an attempt, valid for `ttlSeconds`. */
  async issueToken(claim: RunTokenClaim, ttlSeconds: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const key = this.tokenKey(token);
    await this.redis
      .multi()
      .set(key, JSON.stringify(claim), 'EX', ttlSeconds)
      // Remembered by attempt so that `revoke` can find it without the token.
      .set(this.tokenIndexKey(claim.jobId, claim.attempt), key, 'EX', ttlSeconds)
      .exec();
    return token;
  }

  /** The attempt a token stands for; undefined when it is unknown, expired or revoked. */
  async verify(token: string): Promise<RunTokenClaim | undefined> {
    if (!token) return undefined;
    const value = await this.redis.get(this.tokenKey(token));
    return value ? (JSON.parse(value) as RunTokenClaim) : undefined;
  }

  /** True once a token was issued for the attempt (its Job was created) and until the attempt ends. */
  async hasToken(jobId: string, attempt: number): Promise<boolean> {
    return (await this.redis.exists(this.tokenIndexKey(jobId, attempt))) === 1;
  }

  /** Records a progress point. */
  async addProgress(claim: RunTokenClaim, report: TrainerProgressReport): Promise<void> {
    const key = this.progressKey(claim.jobId, claim.attempt);
    await this.redis
      .multi()
      .rpush(key, JSON.stringify(report))
      .ltrim(key, -MAX_PROGRESS_POINTS, -1)
      .expire(key, 7 * 86_400)
      .exec();
  }

  /** Records the result of an attempt; false when it already has one. */
  async setResult(claim: RunTokenClaim, report: TrainerResultReport): Promise<boolean> {
    const key = this.reportKey(claim.jobId, claim.attempt);
    const [[, created] = []] =
      (await this.redis
        .multi()
        .hsetnx(key, 'result', JSON.stringify(report))
        .expire(key, 7 * 86_400)
        .exec()) ?? [];
    return created === 1;
  }

  /** What the trainer of an attempt POSTed. */
  async reports(jobId: string, attempt: number): Promise<{ result?: TrainerResultReport; progress: TrainerProgressReport[] }> {
    const [result, progress] = await Promise.all([
      this.redis.hget(this.reportKey(jobId, attempt), 'result'),
      this.redis.lrange(this.progressKey(jobId, attempt), 0, -1),
    ]);
    return {
      ...(result ? { result: JSON.parse(result) as TrainerResultReport } : {}),
      progress: progress.map((p) => JSON.parse(p) as TrainerProgressReport),
    };
  }

  /** Ends an attempt: its token stops working and its reports are dropped (the run's outcome is stored by then). */
  async revoke(jobId: string, attempt: number): Promise<void> {
    const indexKey = this.tokenIndexKey(jobId, attempt);
    const tokenKey = await this.redis.get(indexKey);
    await this.redis.del(...[indexKey, this.reportKey(jobId, attempt), this.progressKey(jobId, attempt), ...(tokenKey ? [tokenKey] : [])]);
  }
}
