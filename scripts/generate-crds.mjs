#!/usr/bin/env node
// Writes the CRDs generated from the zod schemas of libs/contracts into k8s/crds/ and helm/scaleplan/crds/.
// Run through `npm run generate:crds`, which first compiles libs/contracts into dist/generate-crds/.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { renderCrdManifests, CRD_OUTPUT_DIRS } = await import(join(root, 'dist/generate-crds/libs/contracts/src/crd/index.js'));
const manifests = renderCrdManifests();
for (const dir of CRD_OUTPUT_DIRS) {
  const target = join(root, dir);
  mkdirSync(target, { recursive: true });
  // Stale files of renamed kinds would otherwise be applied forever.
  for (const file of readdirSync(target))
    if (file.endsWith('.yaml') && !manifests.some((m) => m.fileName === file)) rmSync(join(target, file));
  for (const { fileName, yaml } of manifests) writeFileSync(join(target, fileName), yaml);
  console.log(`Wrote ${manifests.length} CRDs to ${dir}/`);
}
