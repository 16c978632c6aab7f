#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run automatically by `npm ci`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../dist/apps/cli/src/main.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write(`scaleplan: ${entry} is missing; run "npm run build" (npm ci runs it for you)\n`);
  process.exit(1);
}
await import(pathToFileURL(entry).href);
