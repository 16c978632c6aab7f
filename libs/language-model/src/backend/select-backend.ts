import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LanguageModelError } from '../errors.js';

const require = createRequire(import.meta.url);

/**
 * The native packages are optionalDependencies whose install script downloads libtensorflow; without it the
 * package may still be present (installed with --ignore-scripts) but its addon is missing. Importing it then
 * registers half its kernels before failing, so check for the addon first.
 */
function requireNativeAddon(pkg: string): void {
  let root: string;
  try {
    root = dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`${pkg} is not installed`);
  }
  const lib = join(root, 'lib');
  const found =
    existsSync(lib) && readdirSync(lib).some((dir) => dir.startsWith('napi-v') && existsSync(join(lib, dir, 'tfjs_binding.node')));
  if (!found) throw new Error(`${pkg} is installed without its native addon (tfjs_binding.node)`);
}

/** Which TensorFlow.js backend to train on; `auto` takes the first that loads, fastest first. */
export const BackendPreference = {
  Auto: 'auto',
  TensorflowGpu: 'tensorflow-gpu',
  Tensorflow: 'tensorflow',
  Wasm: 'wasm',
  Cpu: 'cpu',
} as const;
export type BackendPreference = (typeof BackendPreference)[keyof typeof BackendPreference];
export const BACKEND_PREFERENCES = Object.values(BackendPreference);

const AUTO_ORDER: BackendPreference[] = [
  BackendPreference.TensorflowGpu,
  BackendPreference.Tensorflow,
  BackendPreference.Wasm,
  BackendPreference.Cpu,
];

/** Loads one backend; throws when its package (or its native library) is missing. */
async function activate(preference: BackendPreference): Promise<void> {
  switch (preference) {
    case BackendPreference.TensorflowGpu:
      requireNativeAddon('@tensorflow/tfjs-node-gpu');
      await import('@tensorflow/tfjs-node-gpu' as string);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tensorflow backend did not initialise');
      return;
    case BackendPreference.Tensorflow:
      requireNativeAddon('@tensorflow/tfjs-node');
      await import('@tensorflow/tfjs-node' as string);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('tensorflow backend did not initialise');
      return;
    case BackendPreference.Wasm:
      await import('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend did not initialise');
      return;
    case BackendPreference.Cpu:
      if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend did not initialise');
      return;
    default:
      throw new LanguageModelError('InvalidInput', `backend must be one of ${BACKEND_PREFERENCES.join(', ')}; got ${String(preference)}`);
  }
}

let active: { preference: BackendPreference; name: string } | undefined;

/**
 * Activates a backend and returns its name as recorded in results (`tensorflow-gpu`, `tensorflow`, `wasm`,
 * `cpu`). `auto` tries tfjs-node-gpu → tfjs-node → wasm → cpu, each through a dynamic import in try/catch.
 */
export async function selectBackend(preference: BackendPreference = BackendPreference.Auto): Promise<string> {
  if (
    active &&
    (preference === BackendPreference.Auto || preference === active.preference) &&
    tf.getBackend() === backendKey(active.name)
  ) {
    return active.name;
  }
  const candidates = preference === BackendPreference.Auto ? AUTO_ORDER : [preference];
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      await activate(candidate);
      await tf.ready();
      active = { preference: candidate, name: candidate };
      return candidate;
    } catch (error) {
      if (error instanceof LanguageModelError) throw error;
      failures.push(`${candidate}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  throw new LanguageModelError('BackendUnavailable', `no TensorFlow.js backend could be loaded (${failures.join('; ')})`);
}

const backendKey = (name: string): string => (name.startsWith('tensorflow') ? 'tensorflow' : name);
