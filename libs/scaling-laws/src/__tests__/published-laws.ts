import type { LossLaw } from '../loss-law.js';

// Published loss laws, typed in from the papers for tests (deliberately not read from presets.ts, so the
// presets are checked against the papers rather than against themselves).

/** Besiroglu et al. 2024 (Epoch AI), headline estimates. */
export const EPOCH_2024: LossLaw = {
  irreducibleLoss: 1.8172,
  paramCoeff: 482.01,
  dataCoeff: 2085.43,
  paramExponent: 0.3478,
  dataExponent: 0.3658,
};

/** Hoffmann et al. 2022 eq. 10, unrounded values from the paper's TeX source. */
export const CHINCHILLA_TEX: LossLaw = {
  irreducibleLoss: Math.exp(0.5267228),
  paramCoeff: Math.exp(6.0073404),
  dataCoeff: Math.exp(6.0179186),
  paramExponent: 0.33917084,
  dataExponent: 0.2849083,
};
