/** Domain error codes of the control plane; the HTTP exception filter maps each to a status code. */
export type ControlPlaneErrorCode = 'NotFound' | 'AlreadyExists' | 'Invalid' | 'Conflict' | 'Unauthorized' | 'Unavailable';

/** A field-level problem of an invalid request body. */
export interface FieldProblem {
  /** Dotted path of the field, e.g. `spec.flops`. */
  readonly field: string;
  readonly message: string;
}

/** The one error class of the control plane (STYLE.md §6.3). */
export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';
  constructor(
    readonly code: ControlPlaneErrorCode,
    message: string,
    readonly fields: readonly FieldProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
