import type { FitSummary } from '@scaleplan/contracts';
import { allocate, type FittedMapping } from '@scaleplan/scaling-laws';

/** A published law as the control plane uses it. */
export interface PresetLaw {
  readonly name: string;
  readonly method: 1 | 2 | 3;
  /** the published mapping, with the interval its source published (if any) */
  readonly fitted: FittedMapping;
  /** Exponents of N_opt ∝ C^a, D_opt ∝ C^b. */
  readonly a: number;
  readonly b: number;
  readonly source: string;
}

/** The prior used to centre a study's first sweep. */
export const PRIOR_PRESET = 'chinchilla-2022';

/** Presets by name, with the derived forms the reconcilers need. */
export class PresetCatalog {
  constructor(private readonly lookup: (name: string) => PresetLaw | undefined) {}

  get(name: string): PresetLaw | undefined {
    return this.lookup(name);
  }

  /** The preset as a fit summary (status of a `spec.preset` ScalingLaw). */
  fitSummary(name: string): FitSummary | undefined {
    const preset = this.lookup(name);
    if (!preset) return undefined;
    const mapping = preset.fitted.mapping;
    return {
      method: preset.method,
      converged: true,
      fittedAt: '1970-01-01T00:00:00.000Z',
      runs: 0,
      a: preset.a,
      b: preset.b,
      ...(mapping.kind === 'loss-law'
        ? { law: mapping.law }
        : { paramCoeff: mapping.powerLaw.paramCoeff, tokenCoeff: mapping.powerLaw.tokenCoeff }),
      warnings: [`published law (${preset.source}); not measured here`],
    };
  }

  /** N_opt(C) of the prior, for centring a first sweep: total parameters, as Chinchilla counted them and sweeps plan them. */
  priorParams(flops: number): number {
    const prior = this.lookup(PRIOR_PRESET);
    if (!prior) return Number.NaN;
    return allocate(prior.fitted.mapping, flops).params;
  }
}
