#!/usr/bin/env node
// Copies the generated CRDs (k8s/crds/*.yaml, produced from libs/contracts) into the chart's crds/
// folder byte for byte; test/helm/crds-sync.spec.ts fails when the two drift.
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const from = join(root, 'k8s', 'crds');
const to = join(root, 'helm', 'scaleplan', 'crds');
mkdirSync(to, { recursive: true });
for (const file of readdirSync(to)) if (file.endsWith('.yaml')) rmSync(join(to, file));
const files = readdirSync(from)
  .filter((file) => file.endsWith('.yaml'))
  .sort();
for (const file of files) copyFileSync(join(from, file), join(to, file));
console.log(`Copied ${files.length} CRD(s) from k8s/crds to helm/scaleplan/crds: ${files.join(', ')}`);
