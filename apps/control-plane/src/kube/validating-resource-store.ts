import {
  ConditionReason,
  ConditionType,
  type ComputeBudgetPhase,
  type ScalingLawPhase,
  type ComputeBudget,
  type Condition,
  type ObjectRef,
  type ScalingLaw,
  setCondition,
} from '@scaleplan/contracts';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { refKey, refOf, type ResourceChangeListener, type ResourceStore } from '../resources/resource-store.js';

type Resource = ScalingLaw | ComputeBudget;

/**
 * What a spec that passed the API server but not the zod schema gets: the API server checks types,
 * bounds, enums and patterns, but an API server that does not evaluate the CRD's CEL rules (the
 * emulator, or a cluster with CEL validation disabled) admits specs that break a cross-field rule.
 */
export interface InvalidSpecPolicy {
  /** Reason of the Degraded condition. */
  readonly reason: typeof ConditionReason.InvalidBudget | typeof ConditionReason.InvalidSweep;
  /** The kind's phase for "Degraded". */
  readonly phase: typeof ScalingLawPhase.Degraded | typeof ComputeBudgetPhase.Degraded;
}

/**
 * Decorates a Kubernetes-backed store so that the reconcilers only ever see specs that parse with the
 * contracts' zod schema, with its defaults applied (an API server applies the CRD defaults, but older
 * objects and emulators may lack them). An object whose spec does not parse gets a Degraded condition
 * naming every problem (status subresource), and the reconcilers never see it; an object being deleted
 * is passed through as stored so that its finalizer still runs.
 */
export class ValidatingResourceStore<T extends Resource> implements ResourceStore<T> {
  readonly kind: T['kind'];
  // uid/generation of objects whose problems were already reported, so a resync doesn't rewrite status.
  private readonly reported = new Set<string>();

  constructor(
    private readonly inner: ResourceStore<T>,
    private readonly specSchema: z.ZodType,
    private readonly policy: InvalidSpecPolicy,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.kind = inner.kind as T['kind'];
  }

  async get(ref: ObjectRef): Promise<T | undefined> {
    const resource = await this.inner.get(ref);
    if (!resource) return undefined;
    const normalized = this.normalize(resource);
    if (normalized.ok) return normalized.resource;
    if (resource.metadata.deletionTimestamp) return resource;
    await this.reportInvalid(resource, normalized.problems);
    return undefined;
  }

  async list(namespace?: string): Promise<T[]> {
    const resources = await this.inner.list(namespace);
    const valid: T[] = [];
    for (const resource of resources) {
      const normalized = this.normalize(resource);
      if (normalized.ok) valid.push(normalized.resource);
      else if (resource.metadata.deletionTimestamp) valid.push(resource);
      else void this.reportInvalid(resource, normalized.problems).catch(() => undefined);
    }
    return valid;
  }

  create(resource: T): Promise<T> {
    return this.inner.create(resource);
  }
  updateSpec(ref: ObjectRef, spec: T['spec']): Promise<T> {
    return this.inner.updateSpec(ref, spec);
  }
  requestDelete(ref: ObjectRef): Promise<T | undefined> {
    return this.inner.requestDelete(ref);
  }
  addFinalizer(ref: ObjectRef, name: string): Promise<T> {
    return this.inner.addFinalizer(ref, name);
  }
  removeFinalizer(ref: ObjectRef, name: string): Promise<T | undefined> {
    return this.inner.removeFinalizer(ref, name);
  }
  patchStatus(ref: ObjectRef, status: NonNullable<T['status']>): Promise<T> {
    return this.inner.patchStatus(ref, status);
  }

  onChange(listener: ResourceChangeListener<T>): () => void {
    return this.inner.onChange(({ type, resource }) => {
      const normalized = this.normalize(resource);
      listener({ type, resource: normalized.ok ? normalized.resource : resource });
    });
  }

  private normalize(resource: T): { ok: true; resource: T } | { ok: false; problems: string[] } {
    const parsed = this.specSchema.safeParse(resource.spec ?? {});
    if (parsed.success) return { ok: true, resource: { ...resource, spec: parsed.data } as T };
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => `${['spec', ...issue.path.map(String)].join('.')}: ${issue.message}`),
    };
  }

  private async reportInvalid(resource: T, problems: string[]): Promise<void> {
    const key = `${resource.metadata.uid ?? refKey(refOf(resource))}@${resource.metadata.generation ?? 0}`;
    if (this.reported.has(key)) return;
    const generation = resource.metadata.generation ?? 1;
    const now = this.now().toISOString();
    const message = `The spec is invalid: ${problems.join('; ')}`;
    const make = (type: string, status: 'True' | 'False'): Condition => ({
      type,
      status,
      reason: this.policy.reason,
      message,
      lastTransitionTime: now,
      observedGeneration: generation,
    });
    let conditions = resource.status?.conditions ?? [];
    conditions = setCondition(conditions, make(ConditionType.Ready, 'False'));
    conditions = setCondition(conditions, make(ConditionType.Degraded, 'True'));
    const status = { ...(resource.status ?? {}), phase: this.policy.phase, observedGeneration: generation, conditions } as NonNullable<
      T['status']
    >;
    await this.inner.patchStatus(refOf(resource), status);
    this.reported.add(key);
    this.log.warn(
      { [this.kind === 'ComputeBudget' ? 'budget' : 'scalingLaw']: refKey(refOf(resource)), generation, problems },
      `Rejected invalid ${this.kind} spec`,
    );
  }
}
