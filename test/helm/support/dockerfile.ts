import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** One Dockerfile instruction, continuation lines joined, comments dropped. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** One build stage: its base and its instructions. */
export interface Stage {
  readonly name: string | undefined;
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

/** Parses a Dockerfile into stages, substituting global ARG defaults in FROM lines as BuildKit does. */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let buffer = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (buffer === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (buffer === '') start = index + 1;
    if (buffer !== '' && line.trimStart().startsWith('#')) return; // comment inside a continued instruction
    if (line.endsWith('\\')) {
      buffer += `${line.slice(0, -1)} `;
      return;
    }
    buffer += line;
    const match = /^\s*(\w+)\s+([\s\S]*)$/.exec(buffer);
    if (!match) throw new Error(`Cannot parse Dockerfile line ${start}: ${buffer}`);
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start });
    buffer = '';
  });
  const globalArgs = new Map<string, string>();
  const stages: { name: string | undefined; from: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      const from = image!.replace(
        /\$\{(\w+)\}|\$(\w+)/g,
        (_m, a: string | undefined, b: string | undefined) => globalArgs.get((a ?? b)!) ?? '',
      );
      stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, from, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [key, value] = instruction.args.split('=');
      globalArgs.set(key!, value ?? '');
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** A COPY's flags, sources and destination (JSON or shell form). */
export function parseCopy(args: string): { from?: string; sources: string[]; destination: string } {
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags = words.filter((w) => w.startsWith('--'));
  const paths = words.filter((w) => !w.startsWith('--'));
  const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
  return { ...(from ? { from } : {}), sources: paths.slice(0, -1), destination: paths.at(-1)! };
}

/** The exec-form CMD/ENTRYPOINT of a stage as an argv array. */
export function execForm(stage: Stage, keyword: 'CMD' | 'ENTRYPOINT'): string[] | undefined {
  const instruction = stage.instructions.filter((i) => i.keyword === keyword).at(-1);
  return instruction ? (JSON.parse(instruction.args) as string[]) : undefined;
}

/**
 * Whether a build-context path survives .dockerignore (Docker's rules for the subset used here:
 * `*`, `**`, `!` re-includes, later lines win; a directory's exclusion excludes its contents).
 */
export function isInContext(path: string, dockerignore: string): boolean {
  const rules = dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ negate: l.startsWith('!'), pattern: l.replace(/^!/, '').replace(/\/$/, '') }));
  const toRegExp = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\/?/g, '§§')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/§§/g, '(.*/)?')}(/.*)?$`,
    );
  let included = true;
  for (const rule of rules) if (toRegExp(rule.pattern).test(path)) included = rule.negate;
  return included;
}

const BUILTINS = new Set(builtinModules);
const IMPORT =
  /(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

/**
 * Follows the imports of a compiled entrypoint through dist/ and returns the bare packages it loads
 * statically (`import … from`, `export … from`, `import '…'`) and through literal dynamic `import()`,
 * plus any relative import that does not resolve to a file.
 */
export function importClosure(entry: string): { staticPackages: Set<string>; dynamicPackages: Set<string>; missing: string[] } {
  const staticPackages = new Set<string>();
  const dynamicPackages = new Set<string>();
  const missing: string[] = [];
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  const packageOf = (specifier: string) => {
    const parts = specifier.split('/');
    return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  };
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      const dynamic = match[3] !== undefined;
      const specifier = (match[1] ?? match[2] ?? match[3])!;
      if (specifier.startsWith('.')) {
        const target = resolve(dirname(file), specifier);
        const found = [target, `${target}.js`, join(target, 'index.js')].find((c) => existsSync(c) && statSync(c).isFile());
        if (!found) missing.push(`${file} imports ${specifier}`);
        else if (found.endsWith('.js')) queue.push(found);
      } else if (!specifier.startsWith('node:') && !BUILTINS.has(specifier.split('/')[0]!)) {
        (dynamic ? dynamicPackages : staticPackages).add(packageOf(specifier));
      }
    }
  }
  return { staticPackages, dynamicPackages, missing };
}
