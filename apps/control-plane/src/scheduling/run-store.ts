import type { LossPoint, ObjectRef, RunRecord } from '@scaleplan/contracts';
import type { Redis } from 'ioredis';
import { ControlPlaneError } from '../control-plane.errors.js';
import { withParamsTotal } from '../planning/run-params.js';

export type RunOwnerKind = RunRecord['ownerKind'];

/** A run with its loss curve (what the runs endpoint and the report show). */
export interface RunWithCurve extends RunRecord {
  readonly curve: readonly LossPoint[];
}

const ownerKey = (kind: RunOwnerKind, owner: ObjectRef): string => `${kind}:${owner.namespace}/${owner.name}`;

/**
 * Run records in Redis: one hash per owner (runId → record JSON, curve left out) and one hash of
 * curves. Local mode has one writer per prefix, so records are cached in memory write-through:
 * reconciles read them for free, and writes are pipelined in batches.
 */
export class RunStore {
  private readonly cache = new Map<string, Map<string, RunRecord>>();
  private readonly loading = new Map<string, Promise<Map<string, RunRecord>>>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private recordsKey(key: string): string {
    return `${this.prefix}:cp:runs:${key}`;
  }
  private curvesKey(key: string): string {
    return `${this.prefix}:cp:curves:${key}`;
  }

  /** All runs of an owner (from the cache after the first read). */
  async list(kind: RunOwnerKind, owner: ObjectRef): Promise<RunRecord[]> {
    return [...(await this.load(ownerKey(kind, owner))).values()];
  }

  async get(kind: RunOwnerKind, owner: ObjectRef, runId: string): Promise<RunRecord | undefined> {
    return (await this.load(ownerKey(kind, owner))).get(runId);
  }

  /** Runs with their curves (reads the curves from Redis). */
  async listWithCurves(kind: RunOwnerKind, owner: ObjectRef): Promise<RunWithCurve[]> {
    const key = ownerKey(kind, owner);
    const records = [...(await this.load(key)).values()];
    const curves = await this.wrap(() => this.redis.hgetall(this.curvesKey(key)));
    return records.map((record) => ({
      ...record,
      curve: curves[record.runId] ? (JSON.parse(curves[record.runId] as string) as LossPoint[]) : [],
    }));
  }

  /** The given runs with their curves, reading only those curves (a page of the runs list). */
  async withCurves(kind: RunOwnerKind, owner: ObjectRef, records: readonly RunRecord[]): Promise<RunWithCurve[]> {
    if (records.length === 0) return [];
    const curves = await this.wrap(() => this.redis.hmget(this.curvesKey(ownerKey(kind, owner)), ...records.map((r) => r.runId)));
    return records.map((record, i) => ({ ...record, curve: curves[i] ? (JSON.parse(curves[i]) as LossPoint[]) : [] }));
  }

  /**
   * Writes records (new or changed) in one pipeline; curves given alongside are stored apart.
   * The cache is updated before the write so that concurrent readers see the newest state.
   */
  async putMany(
    kind: RunOwnerKind,
    owner: ObjectRef,
    records: readonly RunRecord[],
    curves: ReadonlyMap<string, readonly LossPoint[]> = new Map(),
  ): Promise<void> {
    if (records.length === 0) return;
    const key = ownerKey(kind, owner);
    await this.write(key, await this.load(key), records, curves);
  }

  /** Updates the cache synchronously (callers rely on that for compare-and-set), then writes one pipeline. */
  private write(
    key: string,
    cached: Map<string, RunRecord>,
    records: readonly RunRecord[],
    curves: ReadonlyMap<string, readonly LossPoint[]>,
  ): Promise<unknown> {
    if (records.length === 0) return Promise.resolve();
    // The first write of an owner is what puts it in the cache (loads of owners without runs are not kept).
    const target = this.cache.get(key) ?? cached;
    this.cache.set(key, target);
    const fields: string[] = [];
    for (const record of records) {
      const { outcome, ...rest } = record;
      const stored: RunRecord = outcome ? { ...rest, outcome: { ...outcome, curve: [] } } : rest;
      target.set(record.runId, stored);
      fields.push(record.runId, JSON.stringify(stored));
    }
    if (curves.size === 0) return this.wrap(() => this.redis.hset(this.recordsKey(key), ...fields), key);
    const pipeline = this.redis.multi().hset(this.recordsKey(key), ...fields);
    pipeline.hset(this.curvesKey(key), ...[...curves].flatMap(([runId, curve]) => [runId, JSON.stringify(curve)]));
    return this.wrap(() => pipeline.exec(), key);
  }

  /**
   * Compare-and-set update: `change` sees each run's current record (synchronously, after the cache
   * is loaded, so no other update interleaves) and returns the new record, or undefined to leave it.
   * Returns the records that changed.
   */
  async update(
    kind: RunOwnerKind,
    owner: ObjectRef,
    runIds: readonly string[],
    change: (current: RunRecord) => RunRecord | undefined,
    curves: ReadonlyMap<string, readonly LossPoint[]> = new Map(),
    options: { persist?: boolean } = {},
  ): Promise<RunRecord[]> {
    const key = ownerKey(kind, owner);
    const cached = await this.load(key);
    const changed: RunRecord[] = [];
    for (const runId of runIds) {
      const current = cached.get(runId);
      if (!current) continue;
      const next = change(current);
      if (next) changed.push(next);
    }
    if (options.persist === false) {
      // Informational changes (a run started, its latest progress) live in memory until the next write of the run.
      for (const record of changed) cached.set(record.runId, record);
      return changed;
    }
    const changedIds = new Set(changed.map((r) => r.runId));
    const changedCurves = new Map([...curves].filter(([runId]) => changedIds.has(runId)));
    await this.write(key, cached, changed, changedCurves);
    return changed;
  }

  /** Drops runs that were planned but never queued (a spec edit replaced them). */
  async removeRuns(kind: RunOwnerKind, owner: ObjectRef, runIds: readonly string[]): Promise<void> {
    if (runIds.length === 0) return;
    const key = ownerKey(kind, owner);
    const cached = await this.load(key);
    for (const runId of runIds) cached.delete(runId);
    await this.wrap(
      () =>
        this.redis
          .multi()
          .hdel(this.recordsKey(key), ...runIds)
          .hdel(this.curvesKey(key), ...runIds)
          .exec(),
      key,
    );
  }

  /** Removes every run and curve of an owner, and its cache entry. */
  async deleteOwner(kind: RunOwnerKind, owner: ObjectRef): Promise<void> {
    const key = ownerKey(kind, owner);
    this.forget(kind, owner);
    await this.wrap(() => this.redis.del(this.recordsKey(key), this.curvesKey(key)));
  }

  /** Forgets the cache of an owner (its records stay in Redis); a load under way is not cached either. */
  forget(kind: RunOwnerKind, owner: ObjectRef): void {
    const key = ownerKey(kind, owner);
    this.cache.delete(key);
    this.loading.delete(key);
  }

  /** Owners whose runs are cached (tests check that deleted owners leave none behind). */
  get cachedOwners(): number {
    return this.cache.size;
  }

  private load(key: string): Promise<Map<string, RunRecord>> {
    const cached = this.cache.get(key);
    if (cached) return Promise.resolve(cached);
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.wrap(() => this.redis.hgetall(this.recordsKey(key)))
        .then((raw) => {
          // Records stored before they carried paramsTotal get it from their shape (withParamsTotal).
          const map = new Map<string, RunRecord>(
            Object.entries(raw).map(([runId, json]) => [runId, withParamsTotal(JSON.parse(json) as RunRecord)]),
          );
          // An owner without runs is not cached (any name can be asked for through the runs endpoints),
          // nor one forgotten while this load was under way.
          if (map.size > 0 && this.loading.get(key) === loading) this.cache.set(key, map);
          return map;
        })
        .finally(() => {
          if (this.loading.get(key) === loading) this.loading.delete(key);
        });
      this.loading.set(key, loading);
    }
    return loading;
  }

  /** Runs a Redis call; when it fails, drops the cache of `invalidate` so that the next read reloads the truth. */
  private async wrap<R>(call: () => Promise<R>, invalidate?: string): Promise<R> {
    try {
      return await call();
    } catch (error) {
      if (invalidate) this.cache.delete(invalidate);
      throw new ControlPlaneError('Unavailable', `Redis is unavailable: ${(error as Error).message}`, [], { cause: error });
    }
  }
}
