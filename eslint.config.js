// Import boundaries between apps and libs (STYLE.md §6.1), enforced by tooling rather than politeness.
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { appBoundaries } from './tools/eslint-rules/app-boundaries.js';

const root = fileURLToPath(new URL('.', import.meta.url));

const allLibs = ['scaling-laws', 'contracts', 'language-model', 'kube-emulator'];
const deepLibImports = { group: ['**/libs/**', '@scaleplan/*/src/**'], message: 'Import libraries through their @scaleplan/<lib> alias.' };
const appImports = { group: ['**/apps/**'], message: 'Libraries never import apps, and apps never import each other.' };

/** Forbids the given @scaleplan libraries (and any app) from the files of one area. */
const boundary = (files, forbiddenLibs, extraPatterns = []) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: forbiddenLibs.map((name) => ({ name: `@scaleplan/${name}`, message: `${files[0]} may not depend on @scaleplan/${name}.` })),
        patterns: [deepLibImports, appImports, ...extraPatterns],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'reports/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  // Leaves: no internal imports at all.
  boundary(
    ['libs/scaling-laws/**'],
    allLibs.filter((l) => l !== 'scaling-laws'),
  ),
  boundary(
    ['libs/contracts/**'],
    allLibs.filter((l) => l !== 'contracts'),
  ),
  // The model library may use the numerics only.
  boundary(['libs/language-model/**'], ['contracts', 'kube-emulator']),
  // The emulator is self-contained (it emulates Kubernetes, it knows nothing of ScalePlan).
  boundary(
    ['libs/kube-emulator/**'],
    allLibs.filter((l) => l !== 'kube-emulator'),
  ),
  // The control plane never loads TensorFlow.js: only the pure shapes subpath of language-model.
  boundary(
    ['apps/control-plane/**'],
    ['kube-emulator', 'language-model'],
    [{ group: ['@tensorflow/*'], message: 'The control plane must not load TensorFlow.js.' }],
  ),
  // Workers have no cluster credentials and never touch the emulator or the planner's numerics directly.
  boundary(['apps/worker/**'], ['kube-emulator'], [{ group: ['@kubernetes/*'], message: 'Workers get no Kubernetes API access.' }]),
  // The CLI composes the apps: it may start the control plane and run the demo, through their public entry points only.
  {
    files: ['apps/cli/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepLibImports] }] },
  },
  // The demo drives a control plane it starts, through the control plane's public entry point only.
  {
    files: ['apps/demo/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [deepLibImports] }] },
  },
  // Relative paths too: resolved against the importing file, they may not reach into another app or library.
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    plugins: { scaleplan: { rules: { 'app-boundaries': appBoundaries } } },
    rules: {
      'scaleplan/app-boundaries': [
        'error',
        {
          root,
          entryPoints: {
            'apps/cli': ['apps/control-plane/src/index.ts', 'apps/demo/src/index.ts'],
            // (apps/worker has no public entry point: the demo's workers are the control plane's local workers.)
            'apps/demo': ['apps/control-plane/src/index.ts'],
          },
        },
      ],
    },
  },
);
