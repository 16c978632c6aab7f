import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { execForm, importClosure, isInContext, parseCopy, parseDockerfile } from './support/dockerfile.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dockerignore = readFileSync(join(root, '.dockerignore'), 'utf8');
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
/** What `npm ci --omit=dev` puts in node_modules: every top-level lock entry not marked dev-only. */
const production = new Set(
  Object.entries(lock.packages)
    .filter(([path, entry]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && entry.dev !== true)
    .map(([path]) => path.slice('node_modules/'.length)),
);
const images = [
  {
    file: 'control-plane.Dockerfile',
    entry: 'dist/apps/control-plane/src/main.js',
    removed: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  },
  { file: 'worker.Dockerfile', entry: 'dist/apps/worker/src/main.js', removed: ['@tensorflow/tfjs-node-gpu'] },
  { file: 'worker-gpu.Dockerfile', entry: 'dist/apps/worker/src/main.js', removed: ['@tensorflow/tfjs-node'] },
];

describe.each(images)('docker/$file', ({ file, entry, removed }) => {
  const stages = parseDockerfile(readFileSync(join(root, 'docker', file), 'utf8'));
  const runtime = stages.at(-1)!;
  const build = stages.find((s) => s.name === 'build')!;
  const runs = (stage: typeof runtime) =>
    stage.instructions
      .filter((i) => i.keyword === 'RUN')
      .map((i) => i.args)
      .join('\n');

  it('is multi-stage: the build stage runs npm ci and npm run build, the runtime stage npm ci --omit=dev', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runs(build)).toMatch(/npm ci\b/);
    expect(runs(build)).toContain('npm run build');
    expect(runs(runtime)).toMatch(/npm ci --omit=dev/);
    expect(runs(runtime)).not.toContain('npm run build');
    if (file === 'worker-gpu.Dockerfile') {
      expect(runtime.from).toMatch(/^nvidia\/cuda:11\.\d+\.\d+-cudnn8-runtime-/);
      expect(runs(runtime)).toContain('npm rebuild @tensorflow/tfjs-node-gpu');
    } else expect(runtime.from).toMatch(/^node:20\.\d+/);
  });

  it('runs as a numeric non-root user', () => {
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  it('copies only paths that exist in the repository and survive .dockerignore', () => {
    for (const stage of stages) {
      for (const copy of stage.instructions.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args))) {
        if (copy.from) continue;
        for (const source of copy.sources) {
          expect(existsSync(join(root, source)), `${file}: COPY ${source} exists`).toBe(true);
          expect(isInContext(source.replace(/\/$/, ''), dockerignore), `${file}: COPY ${source} is in the build context`).toBe(true);
        }
      }
    }
    // The runtime stage takes dist/ from the build stage, plus bin/ and package*.json.
    const runtimeCopies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => parseCopy(i.args));
    expect(runtimeCopies).toContainEqual({ from: 'build', sources: ['/app/dist'], destination: './dist' });
    expect(runtimeCopies.flatMap((c) => c.sources)).toEqual(expect.arrayContaining(['bin', 'package.json', 'package-lock.json']));
  });

  it(`starts ${entry}, which npm run build produced, with only production dependencies`, () => {
    expect(execForm(runtime, 'CMD')).toEqual(['node', entry]);
    expect(existsSync(join(root, entry)), `${entry} exists (run "npm run build" first)`).toBe(true);
    const { staticPackages, dynamicPackages, missing } = importClosure(join(root, entry));
    expect(missing).toEqual([]);
    const devOnly = [...staticPackages, ...dynamicPackages].filter((p) => !production.has(p));
    expect(devOnly, 'imports of packages that npm ci --omit=dev does not install').toEqual([]);
    // A package this image deletes may only be reached through a (guarded) dynamic import.
    expect(
      [...staticPackages].filter((p) => removed.includes(p)),
      'static imports of packages removed from this image',
    ).toEqual([]);
  });
});

describe('.dockerignore', () => {
  it('keeps host build output, dependencies, tests and secrets out of the context', () => {
    for (const path of ['node_modules', 'dist', '.git', 'helm', 'k8s', '.scaleplan', 'apps/worker/src/main.spec.ts', 'test']) {
      expect(isInContext(path, dockerignore), path).toBe(false);
    }
    for (const path of ['package.json', 'apps/worker/src/main.ts', 'libs/contracts/src/index.ts', 'bin/scaleplan.js'])
      expect(isInContext(path, dockerignore), path).toBe(true);
  });
});
