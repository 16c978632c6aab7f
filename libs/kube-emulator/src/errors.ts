/** The `reason` values of a Kubernetes `Status` that the emulator produces. */
export type KubeApiErrorCode =
  | 'BadRequest'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Gone'
  | 'Expired'
  | 'MethodNotAllowed'
  | 'UnsupportedMediaType'
  | 'NotAcceptable'
  | 'InternalError';

const HTTP_STATUS: Record<KubeApiErrorCode, number> = {
  BadRequest: 400,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  UnsupportedMediaType: 415,
  Invalid: 422,
  InternalError: 500,
};

/** One field-level problem, as in `Status.details.causes[]`. */
export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field: string;
}

/** `Status.details`: which object the error is about, plus the field causes for `Invalid`. */
export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
}

/** A `meta/v1 Status` object, the body of every error response. */
export interface KubeStatus {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message: string;
  readonly reason: KubeApiErrorCode | '';
  readonly details?: StatusDetails;
  readonly code: number;
}

/**
 * The one error class of `@scaleplan/kube-emulator`: an API failure that the HTTP layer renders as the real
 * API server's `Status` body with the matching HTTP code.
 */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  readonly httpStatus: number;
  constructor(
    readonly code: KubeApiErrorCode,
    message: string,
    readonly details?: StatusDetails,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.httpStatus = HTTP_STATUS[code];
  }

  /** The `Status` object a real API server would send for this error. */
  toStatus(): KubeStatus {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.code,
      ...(this.details ? { details: this.details } : {}),
      code: this.httpStatus,
    };
  }
}
