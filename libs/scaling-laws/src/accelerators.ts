import { ScalingLawError } from './errors.js';
import { checkPositive } from './loss-law.js';

/** Numeric formats with a published dense peak. */
export type Precision = 'fp64' | 'fp32' | 'tf32' | 'bf16' | 'fp16' | 'fp8';

/** Dense (no structured sparsity) peak throughput of one accelerator, FLOP/s by precision. */
export interface AcceleratorSpec {
  readonly name: string;
  readonly peakFlopsPerSecond: Readonly<Partial<Record<Precision, number>>>;
  readonly source: string;
}

const T = 1e12;

/**
 * Dense peak FLOP/s from the vendors' datasheets. NVIDIA's headline tensor figures are "with
 * sparsity", i.e. 2× dense; the values here are the dense halves. tf32/bf16/fp16/fp8 and fp64 are
 * tensor-core peaks where the chip has them; fp32 is the CUDA-core peak.
 */
export const ACCELERATORS = {
  // NVIDIA H100 datasheet (SXM5): FP64 34 (67 tensor), TF32 989 sparse, BF16/FP16 1,979 sparse, FP8 3,958 sparse.
  'h100-sxm': {
    name: 'NVIDIA H100 SXM',
    peakFlopsPerSecond: { fp64: 67 * T, fp32: 67 * T, tf32: 494.5 * T, bf16: 989.5 * T, fp16: 989.5 * T, fp8: 1979 * T },
    source: 'NVIDIA H100 Tensor Core GPU datasheet, SXM column, sparse figures halved',
  },
  // Same datasheet, PCIe column: FP64 26 (51 tensor), TF32 756 sparse, BF16 1,513 sparse, FP8 3,026 sparse.
  'h100-pcie': {
    name: 'NVIDIA H100 PCIe',
    peakFlopsPerSecond: { fp64: 51 * T, fp32: 51 * T, tf32: 378 * T, bf16: 756.5 * T, fp16: 756.5 * T, fp8: 1513 * T },
    source: 'NVIDIA H100 Tensor Core GPU datasheet, PCIe column, sparse figures halved',
  },
  // H200 SXM: same compute as H100 SXM (more and faster memory).
  h200: {
    name: 'NVIDIA H200 SXM',
    peakFlopsPerSecond: { fp64: 67 * T, fp32: 67 * T, tf32: 494.5 * T, bf16: 989.5 * T, fp16: 989.5 * T, fp8: 1979 * T },
    source: 'NVIDIA H200 Tensor Core GPU datasheet, SXM column, sparse figures halved',
  },
  // A100 80GB SXM: FP64 19.5 tensor, FP32 19.5, TF32 156, BF16/FP16 312 dense.
  a100: {
    name: 'NVIDIA A100 (SXM, 40/80 GB)',
    peakFlopsPerSecond: { fp64: 19.5 * T, fp32: 19.5 * T, tf32: 156 * T, bf16: 312 * T, fp16: 312 * T },
    source: 'NVIDIA A100 Tensor Core GPU datasheet (dense figures)',
  },
  // L4: FP32 30.3, TF32 120 sparse, BF16/FP16 242 sparse, FP8 485 sparse.
  l4: {
    name: 'NVIDIA L4',
    peakFlopsPerSecond: { fp32: 30.3 * T, tf32: 60 * T, bf16: 121 * T, fp16: 121 * T, fp8: 242.5 * T },
    source: 'NVIDIA L4 Tensor Core GPU datasheet, sparse figures halved',
  },
  // L40S: FP32 91.6, TF32 366 sparse, BF16/FP16 733 sparse, FP8 1,466 sparse.
  l40s: {
    name: 'NVIDIA L40S',
    peakFlopsPerSecond: { fp32: 91.6 * T, tf32: 183 * T, bf16: 366.5 * T, fp16: 366.5 * T, fp8: 733 * T },
    source: 'NVIDIA L40S datasheet, sparse figures halved',
  },
  // V100 SXM2: FP64 7.8, FP32 15.7, tensor FP16 125 (no bf16/tf32).
  v100: {
    name: 'NVIDIA V100 SXM2',
    peakFlopsPerSecond: { fp64: 7.8 * T, fp32: 15.7 * T, fp16: 125 * T },
    source: 'NVIDIA Tesla V100 datasheet (SXM2)',
  },
  // Cloud TPU v5e: 197 TFLOP/s bf16 (394 int8) per chip.
  'tpu-v5e': {
    name: 'Google Cloud TPU v5e',
    peakFlopsPerSecond: { bf16: 197 * T },
    source: 'Google Cloud TPU v5e documentation, per-chip peak',
  },
  // Cloud TPU v5p: 459 TFLOP/s bf16 per chip.
  'tpu-v5p': {
    name: 'Google Cloud TPU v5p',
    peakFlopsPerSecond: { bf16: 459 * T },
    source: 'Google Cloud TPU v5p documentation, per-chip peak',
  },
  // Cloud TPU v4: 275 TFLOP/s bf16 per chip.
  'tpu-v4': {
    name: 'Google Cloud TPU v4',
    peakFlopsPerSecond: { bf16: 275 * T },
    source: 'Google Cloud TPU v4 documentation, per-chip peak',
  },
} as const satisfies Record<string, AcceleratorSpec>;

export type AcceleratorName = keyof typeof ACCELERATORS;

/** Short names people type, mapped to table entries. */
const ALIASES: Readonly<Record<string, AcceleratorName>> = {
  h100: 'h100-sxm',
  'h200-sxm': 'h200',
  'a100-sxm': 'a100',
  'a100-80gb': 'a100',
  'a100-40gb': 'a100',
  v5e: 'tpu-v5e',
  v5p: 'tpu-v5p',
  v4: 'tpu-v4',
};

/** Known accelerator names and aliases, for messages and help text. */
export const ACCELERATOR_NAMES: readonly string[] = [...Object.keys(ACCELERATORS), ...Object.keys(ALIASES)];

/** The table entry for a name or alias (case-insensitive); throws `UnknownAccelerator` listing the known ones. */
export function getAccelerator(name: string): AcceleratorSpec {
  const key = name.trim().toLowerCase();
  // Own keys only: `in` and plain indexing would also find 'constructor', 'toString', … on the prototype.
  const resolved = (Object.hasOwn(ACCELERATORS, key) ? key : Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined) as
    AcceleratorName | undefined;
  if (!resolved) throw new ScalingLawError('UnknownAccelerator', `unknown accelerator "${name}"; known: ${ACCELERATOR_NAMES.join(', ')}`);
  return ACCELERATORS[resolved];
}

/** Inputs of `flopsFromAcceleratorHours`. */
export interface AcceleratorHoursBudget {
  /** accelerator-hours (chips × wall-clock hours) */
  readonly hours: number;
  /** a key or alias of ACCELERATORS, e.g. 'h100' */
  readonly accelerator: string;
  /** @default 'bf16' */
  readonly precision?: Precision;
  /** model FLOP utilisation (MFU), the fraction of peak the training run sustains, in (0, 1] */
  readonly utilisation: number;
}

/** Training budget C = hours · 3600 · dense peak FLOP/s · utilisation, in FLOPs. */
export function flopsFromAcceleratorHours(budget: AcceleratorHoursBudget): number {
  checkPositive(budget.hours, 'accelerator hours');
  if (!(budget.utilisation > 0 && budget.utilisation <= 1)) {
    throw new ScalingLawError('InvalidOption', `utilisation (MFU) must be in (0, 1], got ${budget.utilisation}`);
  }
  const spec = getAccelerator(budget.accelerator);
  const precision = budget.precision ?? 'bf16';
  const peak = (spec.peakFlopsPerSecond as Partial<Record<Precision, number>>)[precision];
  if (peak === undefined) {
    throw new ScalingLawError(
      'UnknownPrecision',
      `${spec.name} has no ${precision} peak; known for it: ${Object.keys(spec.peakFlopsPerSecond).join(', ')}`,
    );
  }
  return budget.hours * 3600 * peak * budget.utilisation;
}
