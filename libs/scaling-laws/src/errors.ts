/** Why a scaling-law computation refused its input. */
export type ScalingLawErrorCode =
  | 'NonPositiveInput'
  | 'NonFiniteInput'
  | 'TooFewObservations'
  | 'TooFewSizes'
  | 'InvalidOption'
  | 'UnknownPreset'
  | 'UnknownAccelerator'
  | 'UnknownPrecision'
  | 'TooFewBudgets'
  | 'NoMinimum';

/** The one error class of `@scaleplan/scaling-laws`; `code` says what kind of input was refused. */
export class ScalingLawError extends Error {
  override readonly name = 'ScalingLawError';
  constructor(
    readonly code: ScalingLawErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
