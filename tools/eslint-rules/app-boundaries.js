// ESLint rule `scaleplan/app-boundaries`: relative imports may not cross from one app or library into another.
// no-restricted-imports only sees the import string, so `../../worker/src/x.js` from the control plane passed it;
// this rule resolves the path against the importing file. Apps and libraries reach each other only through
// `@scaleplan/<lib>` aliases and the public entry points named in the `entryPoints` option; production sources
// never import test support (test/, __tests__/, *.spec.ts).
import { dirname, relative, resolve, sep } from 'node:path';

/** `apps/<name>` or `libs/<name>` holding a repository-relative path, or undefined outside them. */
const areaOf = (path) => {
  const [top, name] = path.split('/');
  return (top === 'apps' || top === 'libs') && name ? `${top}/${name}` : undefined;
};
const isTestSupport = (path) => /(^|\/)(test|__tests__|testing)\//.test(path) || /\.(spec|e2e-spec)\.ts$/.test(path);

/** @type {import('eslint').Rule.RuleModule} */
export const appBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Relative imports stay inside their app or library, except into public entry points.' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          entryPoints: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      crossArea:
        "'{{source}}' reaches into {{to}} from {{from}}: import a library through @scaleplan/<name>, and an app only through its public entry point{{allowed}}.",
      testSupport: "'{{source}}' is test support: production sources may not import it.",
    },
  },
  create(context) {
    const { root = process.cwd(), entryPoints = {} } = context.options[0] ?? {};
    const file = relative(root, context.filename).split(sep).join('/');
    const from = areaOf(file);
    if (from === undefined) return {};
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = relative(root, resolve(dirname(context.filename), source))
        .split(sep)
        .join('/');
      const to = areaOf(target);
      if (to !== undefined && to !== from) {
        const allowed = entryPoints[from] ?? [];
        if (allowed.includes(target.replace(/\.js$/, '.ts'))) return;
        // Name the entry points of the area it reaches into (the ones that would do).
        const into = allowed.filter((entry) => areaOf(entry) === to);
        context.report({
          node,
          messageId: 'crossArea',
          data: { source, from, to, allowed: into.length ? ` (${into.join(', ')})` : '' },
        });
      } else if (isTestSupport(target) && !isTestSupport(file)) {
        context.report({ node, messageId: 'testSupport', data: { source } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};
