import type { ObjectRef } from '@scaleplan/contracts';
import type { Redis } from 'ioredis';
import { ControlPlaneError } from '../control-plane.errors.js';
import type { ScalingLawFitState } from './fit-state.js';

/**
 * A study's fits in Redis (one JSON value per study), cached in memory (one writer per prefix). The cache
 * holds only fits that exist: deleting or forgetting a study drops its entry.
 */
export class FitStore {
  private readonly cache = new Map<string, ScalingLawFitState>();
  /** Counts puts and deletes, so a read that raced one is not cached. */
  private writes = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(ref: ObjectRef): string {
    return `${this.prefix}:cp:fits:${ref.namespace}/${ref.name}`;
  }

  async get(ref: ObjectRef): Promise<ScalingLawFitState | undefined> {
    const key = this.key(ref);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const writesBefore = this.writes;
    const raw = await this.wrap(() => this.redis.get(key));
    const written = this.cache.get(key);
    if (written) return written;
    const state = raw ? (JSON.parse(raw) as ScalingLawFitState) : undefined;
    // Misses are not cached (any name can be asked for, e.g. through /api/v1/allocations), nor a value
    // read while a write or delete was under way (it may be older than that write).
    if (state && this.writes === writesBefore) this.cache.set(key, state);
    return state;
  }

  async put(ref: ObjectRef, state: ScalingLawFitState): Promise<void> {
    const key = this.key(ref);
    this.writes += 1;
    this.cache.set(key, state);
    await this.wrap(() => this.redis.set(key, JSON.stringify(state))).catch((error: unknown) => {
      this.cache.delete(key);
      throw error;
    });
  }

  async delete(ref: ObjectRef): Promise<void> {
    const key = this.key(ref);
    this.writes += 1;
    this.cache.delete(key);
    await this.wrap(() => this.redis.del(key));
  }

  /** Drops the cached fit of a study that is gone (its fit stays in Redis when results are kept). */
  forget(ref: ObjectRef): void {
    this.writes += 1;
    this.cache.delete(this.key(ref));
  }

  /** Studies whose fit is cached (tests check that deleted studies leave none behind). */
  get cachedStudies(): number {
    return this.cache.size;
  }

  private async wrap<R>(call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      throw new ControlPlaneError('Unavailable', `Redis is unavailable: ${(error as Error).message}`, [], { cause: error });
    }
  }
}
