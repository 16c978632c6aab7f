import {
  ConditionReason,
  ConditionType,
  findCondition,
  isConditionTrue,
  roundSignificant,
  ScalingLawPhase,
  type AllocationStatus,
  type ScalingLaw,
  type ScalingLawSpec,
} from '@scaleplan/contracts';
import { DEFAULT_TRUST_THRESHOLDS, ScalingLawError, type FittedMapping, type Interval } from '@scaleplan/scaling-laws';
import { countWithInterval, estimateAllocation, humanCount, type AllocationEstimate } from '../planning/allocation.js';
import { pickMethod, type ScalingLawFitState } from '../planning/fit-state.js';
import { planShape, type PlannedShape } from '../planning/model-shapes.js';
import type { PresetLaw } from '../planning/presets.js';

/**
 * The allocation of a budget as ComputeBudget status and `GET /api/v1/allocations` give it: which mapping
 * (preset or a law's fit), whether that law can be trusted yet, and the estimate with its intervals. Both the
 * reconciler and the REST controller go through here, so they cannot disagree.
 */

/** Whether the mapping's law has passed its trust verdict; presets always have (they are published). */
type LawTrust =
  | { readonly trusted: true }
  | {
      readonly trusted: false;
      /**
       * LawMeasuring while the law may still get there; LawNotTrusted once it stopped (Degraded);
       * IntervalTooWide when the law passed its verdict but N_opt's interval at this budget is too wide to bet on
       */
      readonly reason: typeof ConditionReason.LawMeasuring | typeof ConditionReason.LawNotTrusted | typeof ConditionReason.IntervalTooWide;
      /** carries the law's own reason and message */
      readonly message: string;
    };

/** Where an allocation comes from, once known. */
interface AllocationSource {
  /** a published preset, or a fit of the law's own runs */
  readonly kind: 'preset' | 'fit';
  readonly fitted: FittedMapping;
  readonly method: number;
  /** preset:<name>, <namespace>/<law>, or <namespace>/<law> (preset:<name>) */
  readonly lawName: string;
  readonly fittedAt?: string;
  readonly trust: LawTrust;
}

/** The source, or why there is none yet (`clearAllocation`: a previous allocation must not linger). */
type SourceLookup =
  | { readonly ok: true; readonly source: AllocationSource }
  | {
      readonly ok: false;
      readonly reason: ConditionReason;
      readonly message: string;
      readonly awaiting: boolean;
      readonly clearAllocation: boolean;
    };

/** A law is trusted only when its Ready condition is True (the fit passed its verdict and the sweep is done). */
function lawTrust(law: ScalingLaw): LawTrust {
  const ready = findCondition(law.status?.conditions, ConditionType.Ready);
  if (ready?.status === 'True') return { trusted: true };
  const label = `${law.metadata.namespace}/${law.metadata.name}`;
  const why = ready ? `${ready.reason}: ${ready.message}` : `phase ${law.status?.phase ?? ScalingLawPhase.Pending}, no Ready condition yet`;
  const stopped = law.status?.phase === ScalingLawPhase.Degraded || isConditionTrue(law.status?.conditions, ConditionType.Degraded);
  return {
    trusted: false,
    reason: stopped ? ConditionReason.LawNotTrusted : ConditionReason.LawMeasuring,
    message: `ScalingLaw ${label} is not Ready (${why})`,
  };
}

/** What picks the mapping of a budget. */
export interface SourceQuery {
  /** preset:<name> or <namespace>/<law>, for messages and status */
  readonly lawLabel: string;
  /** the preset asked for directly, or through the law's spec.preset */
  readonly presetName?: string;
  readonly preset?: PresetLaw;
  readonly law?: ScalingLaw;
  readonly lawFit?: ScalingLawFitState;
  /** spec.method / ?method */
  readonly method?: number;
}

export function findAllocationSource(query: SourceQuery): SourceLookup {
  const { lawLabel, law } = query;
  if (query.presetName) {
    const preset = query.preset;
    if (!preset)
      return {
        ok: false,
        reason: ConditionReason.UnknownScalingLaw,
        message: `Unknown preset ${query.presetName}`,
        awaiting: false,
        clearAllocation: true,
      };
    const lawName = law ? `${lawLabel} (preset:${preset.name})` : lawLabel;
    return { ok: true, source: { kind: 'preset', fitted: preset.fitted, method: preset.method, lawName, trust: { trusted: true } } };
  }
  if (!law)
    return {
      ok: false,
      reason: ConditionReason.UnknownScalingLaw,
      message: `ScalingLaw ${lawLabel} does not exist`,
      awaiting: true,
      clearAllocation: true,
    };
  const picked = pickMethod(query.lawFit, query.method, law.spec.fit.primaryMethod);
  if (!picked) {
    const message = `Waiting for the first fit of ScalingLaw ${lawLabel} (${law.status?.runsSummary ?? '0/0'} runs finished)`;
    return { ok: false, reason: ConditionReason.AwaitingFit, message, awaiting: true, clearAllocation: true };
  }
  return {
    ok: true,
    source: {
      kind: 'fit',
      fitted: picked.fitted,
      method: picked.summary.method,
      lawName: lawLabel,
      fittedAt: picked.summary.fittedAt,
      trust: lawTrust(law),
    },
  };
}

/** What the allocation is asked for besides the budget. */
interface AllocationDemand {
  readonly uniqueTokens?: number;
  readonly inferenceTokens?: number;
}

type ResolvedAllocation =
  | {
      readonly ok: true;
      readonly estimate: AllocationEstimate;
      readonly allocation: AllocationStatus;
      readonly shape?: PlannedShape;
      /** the source's trust, narrowed by this budget's own N_opt interval */
      readonly trust: LawTrust;
    }
  /** `field`: what was refused — the inference demand (the estimate succeeds without it), else the law. */
  | { readonly ok: false; readonly message: string; readonly field: 'inferenceTokens' | 'law' };

/** The shape the workers would build for N_opt = `paramsTotal` (total parameters); undefined outside what they can build. */
export function safeShape(paramsTotal: number, model: ScalingLawSpec['model']): PlannedShape | undefined {
  try {
    return planShape(paramsTotal, model);
  } catch {
    return undefined;
  }
}

const tuple = (interval: Interval | null): [number, number] | undefined => (interval ? [interval.lower, interval.upper] : undefined);

/** The estimate as ComputeBudget status (what `kubectl get` prints is rounded; N and D stay exact). */
function toAllocationStatus(
  estimate: AllocationEstimate,
  source: AllocationSource,
  trust: LawTrust,
  shape: PlannedShape | undefined,
): AllocationStatus {
  const { intervals, dataConstrained, inference } = estimate;
  const loss = estimate.loss;
  return {
    flops: estimate.flops,
    params: estimate.params,
    tokens: estimate.tokens,
    tokensPerParam: roundSignificant(estimate.tokensPerParam),
    paramsDisplay: humanCount(estimate.params),
    tokensDisplay: humanCount(estimate.tokens),
    paramsColumn: countWithInterval(estimate.params, intervals.params),
    tokensColumn: countWithInterval(estimate.tokens, intervals.tokens),
    ...(intervals.params ? { paramsInterval: tuple(intervals.params) } : {}),
    ...(intervals.tokens ? { tokensInterval: tuple(intervals.tokens) } : {}),
    ...(intervals.tokensPerParam ? { tokensPerParamInterval: tuple(intervals.tokensPerParam) } : {}),
    ...(loss !== null ? { predictedLoss: roundSignificant(loss) } : {}),
    ...(intervals.loss ? { predictedLossInterval: tuple(intervals.loss) } : {}),
    intervalKind: estimate.intervalBasis.kind,
    intervalNote: estimate.intervalNote,
    provisional: !trust.trusted,
    ...(trust.trusted ? {} : { provisionalReason: trust.message }),
    ...(shape ? { shape: shape.shape } : {}),
    law: source.lawName,
    method: source.method,
    ...(source.fittedAt ? { fittedAt: source.fittedAt } : {}),
    ...(dataConstrained
      ? {
          repetitionFactor: roundSignificant(dataConstrained.epochs),
          dataConstrained: {
            uniqueTokens: dataConstrained.uniqueTokens,
            epochs: dataConstrained.epochs,
            ...(dataConstrained.epochsInterval ? { epochsInterval: tuple(dataConstrained.epochsInterval) } : {}),
            accountedFor: dataConstrained.accountedFor,
            ...(dataConstrained.effectiveTokens !== undefined ? { effectiveTokens: dataConstrained.effectiveTokens } : {}),
            ...(dataConstrained.effectiveParams !== undefined ? { effectiveParams: dataConstrained.effectiveParams } : {}),
            unconstrainedParams: dataConstrained.unconstrained.params,
            unconstrainedTokens: dataConstrained.unconstrained.tokens,
          },
        }
      : {}),
    ...(inference
      ? {
          inference: {
            inferenceTokens: inference.inferenceTokens,
            params: inference.params,
            tokens: inference.tokens,
            paramsDisplay: countWithInterval(inference.params, inference.paramsInterval),
            tokensDisplay: countWithInterval(inference.tokens, inference.tokensInterval),
            ...(inference.paramsInterval ? { paramsInterval: tuple(inference.paramsInterval) } : {}),
            ...(inference.tokensInterval ? { tokensInterval: tuple(inference.tokensInterval) } : {}),
            tokensPerParam: roundSignificant(inference.tokensPerParam),
            loss: roundSignificant(inference.loss),
            trainingFlops: inference.trainingFlops,
            inferenceFlops: inference.inferenceFlops,
            totalFlops: inference.totalFlops,
            trainingOnlyTotalFlops: inference.trainingOnlyTotalFlops,
            saving: roundSignificant(inference.saving),
          },
        }
      : {}),
    ...(estimate.warnings.length > 0 ? { warnings: [...estimate.warnings] } : {}),
  };
}

const estimates = (source: AllocationSource, flops: number, demand: AllocationDemand): boolean => {
  try {
    estimateAllocation(source.fitted, flops, demand);
    return true;
  } catch {
    return false;
  }
};

/** The estimate of `flops` under the source, as status; a refusal of the library (e.g. inference demand on a power law) as a message. */
export function resolveAllocation(
  source: AllocationSource,
  flops: number,
  demand: AllocationDemand,
  model: ScalingLawSpec['model'],
): ResolvedAllocation {
  let estimate: AllocationEstimate;
  try {
    estimate = estimateAllocation(source.fitted, flops, demand);
  } catch (error) {
    if (!(error instanceof ScalingLawError)) throw error;
    const { inferenceTokens, ...withoutInference } = demand;
    return {
      ok: false,
      message: error.message,
      field: inferenceTokens !== undefined && estimates(source, flops, withoutInference) ? 'inferenceTokens' : 'law',
    };
  }
  const shape = safeShape(estimate.params, model);
  const trust = trustAtBudget(source, estimate);
  return { ok: true, estimate, allocation: toAllocationStatus(estimate, source, trust, shape), trust, ...(shape ? { shape } : {}) };
}

/**
 * A law's verdict checks N_opt's interval at the budgets that used it when it was last fitted. A budget added
 * since (or at a budget far from the sweep) is checked here with the same threshold, so it is never Ready on an
 * interval the verdict would have refused. Presets carry their source's published interval and are not narrowed.
 */
function trustAtBudget(source: AllocationSource, estimate: AllocationEstimate): LawTrust {
  const interval = estimate.intervals.params;
  if (!source.trust.trusted || source.kind === 'preset' || !interval) return source.trust;
  const ratio = interval.upper / interval.lower;
  const limit = DEFAULT_TRUST_THRESHOLDS.maxNOptIntervalRatio;
  if (ratio <= limit) return source.trust;
  return {
    trusted: false,
    reason: ConditionReason.IntervalTooWide,
    message: `N_opt's interval at this budget spans ${ratio.toFixed(1)}× (at most ${limit}×): the law's runs do not pin the allocation here; add a sweep target at this budget (spec.sweep.target.atFlops) for more runs`,
  };
}

/** One sentence on an allocation for the Ready condition. */
export function describeAllocation(allocation: AllocationStatus): string {
  const parts = [
    `N_opt=${allocation.paramsColumn ?? allocation.paramsDisplay}, D_opt=${allocation.tokensColumn ?? allocation.tokensDisplay} (${allocation.tokensPerParam.toFixed(1)} tokens/param) from ${allocation.law}, approach ${allocation.method}`,
  ];
  if (allocation.intervalNote) parts.push(`intervals: ${allocation.intervalNote}`);
  const constrained = allocation.dataConstrained;
  if (constrained && constrained.epochs > 1) {
    parts.push(
      constrained.accountedFor
        ? `${constrained.epochs.toFixed(1)} passes over the unique data, accounted for (Muennighoff et al. 2023 eq. 5)`
        : `${constrained.epochs.toFixed(1)} passes over the unique data, NOT accounted for: approach ${allocation.method} has no loss model (use approach 3 or a parametric preset)`,
    );
  }
  const inference = allocation.inference;
  if (inference) {
    parts.push(
      `for ${humanCount(inference.inferenceTokens)} inference tokens train N=${humanCount(inference.params)} on ${humanCount(inference.tokens)} tokens instead (${(inference.saving * 100).toFixed(1)}% fewer lifetime FLOPs, Sardana et al. 2024)`,
    );
  }
  for (const warning of allocation.warnings ?? []) if (!warning.includes('NOT accounted for')) parts.push(`warning: ${warning}`);
  return parts.join('; ');
}
