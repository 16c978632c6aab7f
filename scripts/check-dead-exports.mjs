#!/usr/bin/env node
// Dead-export check (part of `npm run lint`): fails on every export of apps/ and libs/ that nothing uses — no
// other file imports it and its own file does not use it either, so it is dead code. A test that imports an
// export counts as a use. With --all it also lists exports used only inside their own file (needless exports,
// reported but not failed on). Modules whose exports are consumed from outside the TypeScript program (entry
// points, scripts that load compiled output) are listed in ENTRY_POINTS.
// Usage: node scripts/check-dead-exports.mjs [--all] [--json] [--root DIR]   Exit status 1 when it finds dead exports.
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? resolve(process.argv[rootArg + 1]) : fileURLToPath(new URL('..', import.meta.url));

/** Modules used from outside the program, e.g. by node on the command line or by a script in scripts/. */
const ENTRY_POINTS = [
  /^apps\/[^/]+\/src\/main\.ts$/, // node dist/apps/<app>/src/main.js
  /^libs\/contracts\/src\/crd\/index\.ts$/, // scripts/generate-crds.mjs
  /^bench\//, // npm run bench:*
];
const checked = (file) => /^(apps|libs)\//.test(file) && !/\.(spec|e2e-spec)\.ts$/.test(file) && !/\/__tests__\//.test(file);

const configPath = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json');
const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
const program = ts.createProgram({ rootNames: config.fileNames, options: { ...config.options, noEmit: true } });
const checker = program.getTypeChecker();
const sourceFiles = program.getSourceFiles().filter((f) => !f.isDeclarationFile && !f.fileName.includes('/node_modules/'));
const fileOf = (sourceFile) => relative(root, sourceFile.fileName);

/** The declaration-site symbol behind an import, re-export or local name. */
const original = (symbol) => (symbol && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);

// 1. Every export of the checked modules, by its original symbol.
const exported = new Map(); // symbol → { file, name, line }
for (const sourceFile of sourceFiles) {
  const file = fileOf(sourceFile);
  if (!checked(file) || ENTRY_POINTS.some((pattern) => pattern.test(file))) continue;
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  if (!moduleSymbol) continue;
  for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
    const target = original(symbol);
    const declaration = target.declarations?.[0];
    // Re-exports (index.ts barrels) are judged where they are declared.
    if (!declaration || declaration.getSourceFile() !== sourceFile) continue;
    const { line } = sourceFile.getLineAndCharacterOfPosition(declaration.getStart());
    exported.set(target, { file, name: symbol.name, line: line + 1 });
  }
}

// 2. Uses: any identifier in another file that resolves to one of those symbols (imports, namespace members,
//    properties of dynamic import() results, re-exports all resolve through the checker).
const names = new Set([...exported.values()].map((e) => e.name));
const used = new Set();
const usedLocally = new Set();
for (const sourceFile of sourceFiles) {
  const visit = (node) => {
    if (ts.isIdentifier(node) && names.has(node.text)) {
      const target = original(checker.getSymbolAtLocation(node));
      const entry = target && exported.get(target);
      if (entry && entry.file !== fileOf(sourceFile) && !isOwnReExport(node)) used.add(target);
      else if (entry && entry.file === fileOf(sourceFile) && !target.declarations.some((d) => d.name === node)) usedLocally.add(target);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
}

/** `export { x } from './x.js'` in a barrel is no use by itself: the barrel's export must be used in turn. */
function isOwnReExport(node) {
  return ts.isExportSpecifier(node.parent);
}

const isType = (symbol) => (symbol.flags & ts.SymbolFlags.Value) === 0;
const unused = [...exported]
  .filter(([symbol]) => !used.has(symbol))
  .map(([symbol, entry]) => ({ ...entry, kind: isType(symbol) ? 'type' : 'value', dead: !usedLocally.has(symbol) }))
  .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
const dead = unused.filter((entry) => entry.dead);
const listed = process.argv.includes('--all') ? unused : dead;
if (process.argv.includes('--json')) console.log(JSON.stringify(listed, null, 2));
else {
  for (const { file, line, name, kind, dead: isDead } of listed) {
    console.log(`${file}:${line}  ${kind} ${name}  ${isDead ? 'is dead: used nowhere' : 'is exported but used only in its own file'}`);
  }
}
if (dead.length > 0) {
  console.error(`${dead.length} dead export(s): delete them, or use them where they were meant to be used.`);
  process.exit(1);
}
