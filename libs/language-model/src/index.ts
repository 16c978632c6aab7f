/**
 * `@scaleplan/language-model`: model shapes (pure, also at `@scaleplan/language-model/shapes`), corpora and
 * tokenizers, simulated runs, and the TensorFlow.js Trainer. Importing this module does not load
 * TensorFlow.js: {@link loadTrainer} does, on first use, so simulated runs stay cheap.
 */
export * from './shapes/index.js';
export * from './corpus/tokenizer.js';
export * from './corpus/corpus-loader.js';
export * from './corpus/token-stream.js';
export * from './simulation/simulate-run.js';
export * from './training/training.types.js';
export { checkpointDirFor, removeCheckpoint } from './training/checkpoint.js';
export type { TrainerOptions, Trainer, TrainingInterruptedError } from './training/trainer.js';
export type { BackendPreference } from './backend/select-backend.js';

/** Backend names accepted by the Trainer (`auto` picks the fastest that loads). */
export const BACKEND_PREFERENCES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

/** Loads TensorFlow.js and the Trainer (a dynamic import, ~1 s the first time). */
export async function loadTrainer(): Promise<typeof import('./training/trainer.js')> {
  return import('./training/trainer.js');
}

/** Loads the tfjs model module (tests and benchmarks). */
export async function loadModel(): Promise<typeof import('./model/transformer.model.js') & typeof import('./backend/select-backend.js')> {
  const [model, backend] = await Promise.all([import('./model/transformer.model.js'), import('./backend/select-backend.js')]);
  return { ...model, ...backend };
}
