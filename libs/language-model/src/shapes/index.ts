/**
 * Pure model-shape arithmetic: no TensorFlow.js here (the control plane imports this subpath as
 * `@scaleplan/language-model/shapes` and must never load tfjs).
 */
export * from './parameter-count.js';
export * from './shape-solver.js';
export * from './training-rules.js';
export { LanguageModelError, isPermanentLanguageModelError, type LanguageModelErrorCode } from '../errors.js';
