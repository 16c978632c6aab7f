export * from './errors.js';
export * from './transformer-flops.js';
export * from './accelerators.js';
export * from './loss-law.js';
export * from './iso-flop-allocation.js';
export * from './power-law.js';
export * from './presets.js';
export * from './random.js';
export * from './observations.js';
export * from './lbfgs.js';
export * from './synthetic.js';
export { approach3Objective, toApproach3Data, type Approach3Data } from './fit/approach3-objective.js';
export {
  APPROACH3_DEFAULT_GRID,
  APPROACH3_DEFAULT_SCREENING,
  APPROACH3_GRID_AXES,
  APPROACH3_MIN_OBSERVATIONS,
  fitApproach3,
  startFromLossLaw,
  type Approach3Fit,
  type Approach3Options,
  type Approach3Start,
} from './fit/fit-approach3.js';
export * from './fit/fit-approach2.js';
export * from './fit/fit-approach1.js';
export * from './fit/iso-flop-parabola.js';
export * from './fit/budget-grouping.js';
export * from './fit/bootstrap.js';
export * from './fit/loss-frontier.js';
export * from './data-constrained.js';
export * from './fitted-law.js';
export * from './inference-aware.js';
export * from './allocation-estimate.js';
export * from './fit/fit-steps.js';
export * from './fit/fit-scaling-law.js';
export * from './fit/fit-diagnostics.js';
export * from './fit/trust-verdict.js';
export * from './fit/mapping-exponents.js';
export * from './seed-spread.js';
