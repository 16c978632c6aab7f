#!/usr/bin/env node
// Links node_modules/.bin/scaleplan to bin/scaleplan.js (run by `prepare`, i.e. by `npm ci` / `npm install`).
//
// Why: with a "bin" entry in the root package.json, npm ≥ 10 runs `npx scaleplan` as "self-execution of a local
// bin": it installs this very package into its npx cache first (~/.npm/_npx/<hash>, resolving every dependency:
// minutes the first time, seconds on each later call). Without that entry npx finds the command in
// node_modules/.bin and runs it straight away, as fast as `node bin/scaleplan.js`.
import { lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const link = join(root, 'node_modules', '.bin', 'scaleplan');
const target = '../../bin/scaleplan.js'; // relative, so the checkout can move

const existing = (() => {
  try {
    return lstatSync(link).isSymbolicLink() ? readlinkSync(link) : 'not a link';
  } catch {
    return undefined;
  }
})();
if (existing !== target) {
  mkdirSync(dirname(link), { recursive: true });
  if (existing !== undefined) unlinkSync(link);
  symlinkSync(target, link);
}
