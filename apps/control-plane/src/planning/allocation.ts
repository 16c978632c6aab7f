import { computeDataConstrainedAllocation, computeOptimalAllocation, predictLoss } from '@scaleplan/scaling-laws';
import type { Mapping } from './fit-state.js';

/** N_opt, D_opt (and the predicted loss for parametric laws) of one budget. */
export interface MappedAllocation {
  readonly params: number;
  readonly tokens: number;
  readonly loss?: number;
}

/**
 * Applies a mapping to a budget: closed form under C = 6ND for loss laws, the power laws otherwise. With
 * `uniqueTokens`, loss laws allocate for repeated data (Muennighoff et al. 2023); power-law mappings have no
 * loss model to weigh repetition with, so they ignore it (the caller reports the repetition factor).
 */
export function allocate(mapping: Mapping, flops: number, uniqueTokens?: number): MappedAllocation {
  if (mapping.form === 'loss' && uniqueTokens !== undefined) {
    const allocation = computeDataConstrainedAllocation(mapping.law, flops, uniqueTokens);
    return { params: allocation.params, tokens: allocation.tokens, loss: allocation.loss ?? undefined };
  }
  if (mapping.form === 'loss') {
    const allocation = computeOptimalAllocation(mapping.law, flops);
    return { params: allocation.params, tokens: allocation.tokens, loss: predictLoss(mapping.law, allocation.params, allocation.tokens) };
  }
  return { params: mapping.paramCoeff * flops ** mapping.a, tokens: mapping.tokenCoeff * flops ** mapping.b };
}

/** Percentile of a sample (linear interpolation). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = (sorted.length - 1) * p;
  const low = Math.floor(index);
  const high = Math.ceil(index);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (index - low);
}

/** Central `confidence` interval of a statistic over bootstrap replicates; undefined without replicates. */
export function interval(values: readonly number[], confidence: number): [number, number] | undefined {
  if (values.filter(Number.isFinite).length < 2) return undefined;
  const tail = (1 - confidence) / 2;
  return [percentile(values, tail), percentile(values, 1 - tail)];
}

/** Allocation with bootstrap intervals. */
export interface AllocationWithIntervals extends MappedAllocation {
  readonly paramsInterval?: [number, number];
  readonly tokensInterval?: [number, number];
  readonly lossInterval?: [number, number];
}

export function allocateWithIntervals(
  mapping: Mapping,
  samples: readonly Mapping[],
  flops: number,
  confidence: number,
  uniqueTokens?: number,
): AllocationWithIntervals {
  const point = allocate(mapping, flops, uniqueTokens);
  const replicates = samples.map((sample) => {
    try {
      return allocate(sample, flops, uniqueTokens);
    } catch {
      return undefined;
    }
  }).filter((r): r is MappedAllocation => r !== undefined);
  const losses = replicates.map((r) => r.loss).filter((l): l is number => l !== undefined);
  return {
    ...point,
    paramsInterval: interval(replicates.map((r) => r.params), confidence),
    tokensInterval: interval(replicates.map((r) => r.tokens), confidence),
    lossInterval: losses.length > 1 ? interval(losses, confidence) : undefined,
  };
}

/** 2780000000 → "2.78B"; 60e9 → "60.0B". */
export function humanCount(value: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, unit] of units) if (Math.abs(value) >= scale) return `${(value / scale).toPrecision(3)}${unit}`;
  return value.toPrecision(3);
}
