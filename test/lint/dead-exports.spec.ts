import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// A miniature repository: one library, one app using part of it, and a spec.
const root = mkdtempSync(join(tmpdir(), 'scaleplan-dead-exports-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};
write(
  'tsconfig.json',
  JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true },
    include: ['apps', 'libs'],
  }),
);
write('package.json', '{"type": "module"}');
write(
  'libs/numbers/src/numbers.ts',
  [
    'export const used = 1;',
    'export const usedByASpecOnly = 2;',
    'export const usedOnlyHere = 3;',
    'export const neverUsed = usedOnlyHere + 1;',
    'export interface NeverUsedType { a: number }',
    'export type UsedType = number;',
    '',
  ].join('\n'),
);
write('libs/numbers/src/index.ts', "export * from './numbers.js';\n");
write('libs/numbers/src/numbers.spec.ts', "import { usedByASpecOnly } from './numbers.js';\nconsole.log(usedByASpecOnly);\n");
write(
  'apps/tool/src/tool.ts',
  "import { used, type UsedType } from '../../../libs/numbers/src/index.js';\nconst n: UsedType = used;\nconsole.log(n);\n",
);
write('apps/tool/src/main.ts', 'export const entry = 1;\n');

const check = (...args: string[]) =>
  spawnSync(process.execPath, ['scripts/check-dead-exports.mjs', '--root', root, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('dead-export check', () => {
  it('fails on exports nothing uses, and only on those', () => {
    const result = check('--json');
    expect(result.status).toBe(1);
    const dead = JSON.parse(result.stdout) as { file: string; name: string; kind: string }[];
    expect(dead.map((d) => `${d.file} ${d.kind} ${d.name}`)).toEqual([
      'libs/numbers/src/numbers.ts value neverUsed',
      'libs/numbers/src/numbers.ts type NeverUsedType',
    ]);
    expect(result.stderr).toMatch(/2 dead export\(s\)/);
  });

  it('with --all also lists exports used only in their own file, without failing on them', () => {
    const result = check('--all');
    expect(result.stdout).toMatch(/numbers\.ts:3 {2}value usedOnlyHere {2}is exported but used only in its own file/);
    expect(result.stdout).not.toMatch(/ (used|usedByASpecOnly|UsedType|entry) {2}/);
  });
});
