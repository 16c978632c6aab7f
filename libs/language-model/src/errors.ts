/** Why `@scaleplan/language-model` refused an input or could not go on. */
export type LanguageModelErrorCode =
  'InvalidInput' | 'InfeasibleSize' | 'TooFewTokens' | 'UnknownCorpus' | 'CorpusTooSmall' | 'BackendUnavailable' | 'CheckpointMismatch';

/**
 * The one error class of `@scaleplan/language-model`. Every code except `BackendUnavailable` means the
 * input can never succeed (a queue consumer should not retry it).
 */
export class LanguageModelError extends Error {
  override readonly name = 'LanguageModelError';
  constructor(
    readonly code: LanguageModelErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** True when retrying the same input cannot help (the payload itself is wrong). */
export const isPermanentLanguageModelError = (error: unknown): error is LanguageModelError =>
  error instanceof LanguageModelError && error.code !== 'BackendUnavailable';
