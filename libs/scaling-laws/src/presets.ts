import { ScalingLawError } from './errors.js';
import type { FitMethod, FittedMapping, PublishedUncertainty } from './fitted-law.js';
import { computeOptimalAllocation, type Allocation, type LossLaw } from './loss-law.js';
import { allocateWithPowerLaw, fitPowerLaws, type PowerLawMapping } from './power-law.js';

/** An allocation mapping: a parametric loss law (Approach 3) or a pair of power laws (Approaches 1, 2). */
export type AllocationMapping =
  { readonly kind: 'loss-law'; readonly law: LossLaw } | { readonly kind: 'power-law'; readonly powerLaw: PowerLawMapping };

/** A published scaling law, with where its numbers come from. */
export interface ScalingLawPreset {
  readonly name: PresetName;
  readonly description: string;
  readonly source: string;
  /** the paper's approach the preset reproduces */
  readonly method: FitMethod;
  readonly mapping: AllocationMapping;
  /** what its source published about the uncertainty of its frontier; absent when it published nothing */
  readonly published?: PublishedUncertainty;
}

/**
 * Middle of the compute the Chinchilla runs span (IsoFLOP budgets 6e18 to 3e21 FLOPs, Hoffmann et al. 2022
 * §3.2), on a log scale: the anchor of the published exponent intervals, which Epoch's refit shares (same runs).
 */
export const CHINCHILLA_RUNS_ANCHOR_FLOPS = Math.sqrt(6e18 * 3e21);

/** z of the central 95% of a normal distribution (Epoch give SEs; their CIs are 2.5/97.5 percentiles). */
const Z_95 = 1.959964;
const EPOCH_A = 0.5126;
const EPOCH_A_STANDARD_ERROR = 0.02;

/** Allocation of `flops` under any mapping (closed form for loss laws, C^a / C^b for power laws). */
export const allocate = (mapping: AllocationMapping, flops: number): Allocation =>
  mapping.kind === 'loss-law' ? computeOptimalAllocation(mapping.law, flops) : allocateWithPowerLaw(mapping.powerLaw, flops);

/**
 * Hoffmann et al. 2022 Table 3 (Approach 1 projections): parameters, FLOPs, tokens.
 * Rows as printed (arXiv 2203.15556 v1, p. 9).
 */
export const CHINCHILLA_TABLE3_APPROACH1: readonly (readonly [params: number, flops: number, tokens: number])[] = [
  [400e6, 1.92e19, 8.0e9],
  [1e9, 1.21e20, 20.2e9],
  [10e9, 1.23e22, 205.1e9],
  [67e9, 5.76e23, 1.5e12],
  [175e9, 3.85e24, 3.7e12],
  [280e9, 9.9e24, 5.9e12],
  [520e9, 3.43e25, 11.0e12],
  [1e12, 1.27e26, 21.2e12],
  [10e12, 1.3e28, 216.2e12],
];

/** Hoffmann et al. 2022 Table A3, Approach 2 columns (App. D.3): parameters, FLOPs, tokens. */
export const CHINCHILLA_TABLE_A3_APPROACH2: readonly (readonly [params: number, flops: number, tokens: number])[] = [
  [400e6, 1.84e19, 7.7e9],
  [1e9, 1.2e20, 20.0e9],
  [10e9, 1.32e22, 219.5e9],
  [67e9, 6.88e23, 1.7e12],
  [175e9, 4.54e24, 4.3e12],
  [280e9, 1.18e25, 7.1e12],
  [520e9, 4.19e25, 13.4e12],
  [1e12, 1.59e26, 26.5e12],
  [10e12, 1.75e28, 292.0e12],
];

/** Power laws through a projection table (least squares in log space on its own FLOPs column). */
export const powerLawFromTable = (table: readonly (readonly [number, number, number])[]): PowerLawMapping =>
  fitPowerLaws(table.map(([params, flops, tokens]) => ({ params, flops, tokens }))).mapping;

/** The names `getPreset` accepts. */
export const PRESET_NAMES = ['chinchilla-2022', 'chinchilla-2022-approach1', 'chinchilla-2022-approach2', 'epoch-2024'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const PRESETS: Readonly<Record<PresetName, ScalingLawPreset>> = {
  /**
   * Hoffmann et al. 2022 eq. 10 with the unrounded values of the paper's TeX source (quoted by
   * Besiroglu et al. 2024): a = 6.0073404, b = 6.0179186, e = 0.5267228, α = 0.33917084,
   * β = 0.2849083, i.e. A = 406.4, B = 410.7, E = 1.6934. Gives N_opt(5.76e23) = 40.4B ("40B").
   */
  'chinchilla-2022': {
    name: 'chinchilla-2022',
    description: 'Chinchilla Approach 3 fit, unrounded TeX values (E 1.6934, A 406.4, B 410.7, α 0.3392, β 0.2849)',
    source: 'Hoffmann et al. 2022, arXiv 2203.15556, eq. 10 / App. D.2 (TeX source values)',
    method: 3,
    published: {
      // Table 2 prints a = 0.46 (0.454, 0.455); the centre here is the interval's midpoint, as Epoch used it.
      a: { lower: 0.454, median: 0.4545, upper: 0.455 },
      percentiles: [10, 90],
      anchorFlops: CHINCHILLA_RUNS_ANCHOR_FLOPS,
      source: 'Hoffmann et al. 2022, Table 2 (Approach 3): a 0.46 (0.454, 0.455), 10th–90th percentile',
      note: 'implausibly narrow: the optimizer stopped early in every bootstrap replicate (Besiroglu et al. 2024 estimate ~600,000 runs would be needed for that width)',
    },
    mapping: {
      kind: 'loss-law',
      law: {
        irreducibleLoss: Math.exp(0.5267228),
        paramCoeff: Math.exp(6.0073404),
        dataCoeff: Math.exp(6.0179186),
        paramExponent: 0.33917084,
        dataExponent: 0.2849083,
      },
    },
  },
  /** Power laws through Hoffmann et al. 2022 Table 3 (Approach 1): N ≈ 0.0992·C^0.498, D ≈ 1.70·C^0.502. */
  'chinchilla-2022-approach1': {
    name: 'chinchilla-2022-approach1',
    description: 'Power laws through the Chinchilla Approach 1 projection table (a ≈ 0.498)',
    source: 'Hoffmann et al. 2022, arXiv 2203.15556, Table 3; fitted here by log-log least squares',
    method: 1,
    published: {
      a: { lower: 0.488, median: 0.5, upper: 0.502 },
      percentiles: [10, 90],
      anchorFlops: CHINCHILLA_RUNS_ANCHOR_FLOPS,
      source: 'Hoffmann et al. 2022, Table 2 (Approach 1): a 0.50 (0.488, 0.502), 10th–90th percentile of a subsampling bootstrap',
    },
    mapping: { kind: 'power-law', powerLaw: powerLawFromTable(CHINCHILLA_TABLE3_APPROACH1) },
  },
  /** Power laws through Hoffmann et al. 2022 Table A3, Approach 2 columns: N ≈ 0.145·C^0.490, D ≈ 1.15·C^0.510. */
  'chinchilla-2022-approach2': {
    name: 'chinchilla-2022-approach2',
    description: 'Power laws through the Chinchilla Approach 2 projection table (a ≈ 0.490)',
    source: 'Hoffmann et al. 2022, arXiv 2203.15556, Table A3 (Approach 2 columns); fitted here by log-log least squares',
    method: 2,
    published: {
      a: { lower: 0.462, median: 0.49, upper: 0.534 },
      percentiles: [10, 90],
      anchorFlops: CHINCHILLA_RUNS_ANCHOR_FLOPS,
      source: 'Hoffmann et al. 2022, Table 2 (Approach 2): a 0.49 (0.462, 0.534), 10th–90th percentile of a subsampling bootstrap',
    },
    mapping: { kind: 'power-law', powerLaw: powerLawFromTable(CHINCHILLA_TABLE_A3_APPROACH2) },
  },
  /** Besiroglu et al. 2024 (Epoch AI) refit on the 240 points extracted from Chinchilla's Fig. 4: E 1.8172, A 482.01, B 2085.43, α 0.3478, β 0.3658. */
  'epoch-2024': {
    name: 'epoch-2024',
    description: 'Epoch AI replication of Chinchilla Approach 3 (E 1.8172, A 482.01, B 2085.43, α 0.3478, β 0.3658)',
    source: 'Besiroglu, Erdil, Barnett & You 2024, "Chinchilla Scaling: A replication attempt", arXiv 2404.10102, Table 1',
    method: 3,
    published: {
      a: { lower: EPOCH_A - Z_95 * EPOCH_A_STANDARD_ERROR, median: EPOCH_A, upper: EPOCH_A + Z_95 * EPOCH_A_STANDARD_ERROR },
      percentiles: [2.5, 97.5],
      anchorFlops: CHINCHILLA_RUNS_ANCHOR_FLOPS,
      source: 'Besiroglu et al. 2024, Table 1: a = 0.5126 (SE 0.02) from 4000 bootstrap resamples',
      note: 'derived from the published standard error of a (a ± 1.96·SE)',
    },
    mapping: {
      kind: 'loss-law',
      law: { irreducibleLoss: 1.8172, paramCoeff: 482.01, dataCoeff: 2085.43, paramExponent: 0.3478, dataExponent: 0.3658 },
    },
  },
};

/** A preset by name; throws `UnknownPreset` listing the known names. */
export function getPreset(name: string): ScalingLawPreset {
  if (!(PRESET_NAMES as readonly string[]).includes(name)) {
    throw new ScalingLawError('UnknownPreset', `unknown scaling-law preset "${name}"; known presets: ${PRESET_NAMES.join(', ')}`);
  }
  return PRESETS[name as PresetName];
}

/** A preset as a fitted mapping: the published point estimate, no replicates, and its published interval if any. */
export function presetFittedMapping(name: string): FittedMapping {
  const preset = getPreset(name);
  return {
    source: { kind: 'preset', name: preset.name },
    mapping: preset.mapping,
    samples: [],
    percentiles: preset.published?.percentiles ?? [10, 90],
    ...(preset.published ? { published: preset.published } : {}),
  };
}
