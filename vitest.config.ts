import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const lib = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Same aliases as tsconfig.json "paths"; the most specific entry must come first.
    alias: [
      { find: '@scaleplan/language-model/shapes', replacement: lib('./libs/language-model/src/shapes/index.ts') },
      { find: '@scaleplan/language-model', replacement: lib('./libs/language-model/src/index.ts') },
      { find: '@scaleplan/scaling-laws', replacement: lib('./libs/scaling-laws/src/index.ts') },
      { find: '@scaleplan/contracts', replacement: lib('./libs/contracts/src/index.ts') },
      { find: '@scaleplan/kube-emulator', replacement: lib('./libs/kube-emulator/src/index.ts') },
    ],
  },
  test: {
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'test/**/*.spec.ts', 'test/**/*.e2e-spec.ts', 'bench/**/*.spec.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: training and e2e suites contend for CPU, so keep files from running all at once.
    maxWorkers: 2,
    reporters: ['default'],
  },
  plugins: [swc.vite({ module: { type: 'es6' } })],
});
