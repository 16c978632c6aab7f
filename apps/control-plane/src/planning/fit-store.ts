import type { ObjectRef } from '@scaleplan/contracts';
import type { Redis } from 'ioredis';
import { ControlPlaneError } from '../control-plane.errors.js';
import type { StudyFitState } from './fit-state.js';

/** A study's fits in Redis (one JSON value per study), cached in memory (one writer per prefix). */
export class FitStore {
  private readonly cache = new Map<string, StudyFitState | null>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(ref: ObjectRef): string {
    return `${this.prefix}:cp:fits:${ref.namespace}/${ref.name}`;
  }

  async get(ref: ObjectRef): Promise<StudyFitState | undefined> {
    const key = this.key(ref);
    if (this.cache.has(key)) return this.cache.get(key) ?? undefined;
    const raw = await this.wrap(() => this.redis.get(key));
    const state = raw ? (JSON.parse(raw) as StudyFitState) : null;
    this.cache.set(key, state);
    return state ?? undefined;
  }

  async put(ref: ObjectRef, state: StudyFitState): Promise<void> {
    const key = this.key(ref);
    this.cache.set(key, state);
    await this.wrap(() => this.redis.set(key, JSON.stringify(state))).catch((error: unknown) => {
      this.cache.delete(key);
      throw error;
    });
  }

  async delete(ref: ObjectRef): Promise<void> {
    const key = this.key(ref);
    this.cache.set(key, null);
    await this.wrap(() => this.redis.del(key));
  }

  private async wrap<R>(call: () => Promise<R>): Promise<R> {
    try {
      return await call();
    } catch (error) {
      throw new ControlPlaneError('Unavailable', `Redis is unavailable: ${(error as Error).message}`, [], { cause: error });
    }
  }
}
