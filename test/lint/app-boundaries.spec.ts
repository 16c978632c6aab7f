import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Lints source text as if it stood at the given path, with the repository's eslint.config.js.
const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return result!.messages
    .filter((m) => m.ruleId === 'scaleplan/app-boundaries' || m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

describe('app-boundary lint rules', () => {
  it('rejects a relative import from the control plane into the worker', async () => {
    const errors = await boundaryErrors(
      'apps/control-plane/src/dispatch/x.ts',
      "export { loadWorkerConfig } from '../../../worker/src/config/worker.config.js';\n",
    );
    expect(errors).toEqual([expect.stringMatching(/reaches into apps\/worker from apps\/control-plane/)]);
  });

  it('rejects relative imports from a library into an app or another library, in every import form', async () => {
    const code = [
      "import { startControlPlane } from '../../../apps/control-plane/src/index.js';",
      "export * from '../../contracts/src/index.js';",
      "export const load = () => import('../../kube-emulator/src/index.js');",
      '',
    ].join('\n');
    // (no-restricted-imports also rejects the first, whose path names apps/.)
    const errors = (await boundaryErrors('libs/scaling-laws/src/x.ts', code)).filter((m) => m.includes('reaches into'));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(/reaches into apps\/control-plane from libs\/scaling-laws/);
    expect(errors[1]).toMatch(/reaches into libs\/contracts from libs\/scaling-laws: import a library through @scaleplan/);
    expect(errors[2]).toMatch(/reaches into libs\/kube-emulator/);
  });

  it("lets the CLI use the control plane's public entry point, and nothing behind it", async () => {
    expect(
      await boundaryErrors('apps/cli/src/commands/x.ts', "export { startControlPlane } from '../../../control-plane/src/index.js';\n"),
    ).toEqual([]);
    const errors = await boundaryErrors(
      'apps/cli/src/commands/x.ts',
      "export { startControlPlane } from '../../../control-plane/src/bootstrap.js';\n",
    );
    expect(errors).toEqual([expect.stringMatching(/public entry point \(apps\/control-plane\/src\/index\.ts\)/)]);
  });

  it("lets the demo use the control plane's public entry point, the CLI the demo's, and the control plane neither", async () => {
    expect(await boundaryErrors('apps/demo/src/x.ts', "export { startControlPlane } from '../../control-plane/src/index.js';\n")).toEqual(
      [],
    );
    expect(
      await boundaryErrors('apps/demo/src/x.ts', "export { RunStore } from '../../control-plane/src/scheduling/run-store.js';\n"),
    ).toEqual([expect.stringMatching(/public entry point \(apps\/control-plane\/src\/index\.ts\)/)]);
    expect(await boundaryErrors('apps/cli/src/commands/x.ts', "export { runDemo } from '../../../demo/src/index.js';\n")).toEqual([]);
    expect(await boundaryErrors('apps/control-plane/src/x.ts', "export { runDemo } from '../../demo/src/index.js';\n")).toEqual([
      expect.stringMatching(/reaches into apps\/demo from apps\/control-plane/),
    ]);
  });

  it('allows relative imports within one app', async () => {
    expect(
      await boundaryErrors('apps/control-plane/src/http/x.ts', "export { createRedis } from '../redis/redis-connection.js';\n"),
    ).toEqual([]);
  });

  it('keeps test support out of production sources, but not out of tests', async () => {
    const code = "export { needsSharedData } from '../../../../test/support/shared-data.js';\n";
    expect(await boundaryErrors('apps/cli/src/commands/x.ts', code)).toEqual([expect.stringMatching(/is test support/)]);
    expect(await boundaryErrors('apps/cli/src/commands/x.spec.ts', code)).toEqual([]);
    // The e2e harness and the fixtures under __tests__/ are test support too.
    const harness = "export { waitFor } from '../../../test/support/e2e-harness.js';\n";
    expect(await boundaryErrors('apps/control-plane/src/x.ts', harness)).toEqual([expect.stringMatching(/is test support/)]);
    const fixtures = "export { NOW } from './__tests__/target-sweep.fixtures.js';\n";
    expect(await boundaryErrors('apps/control-plane/src/planning/x.ts', fixtures)).toEqual([expect.stringMatching(/is test support/)]);
    expect(await boundaryErrors('apps/control-plane/src/planning/x.spec.ts', fixtures)).toEqual([]);
  });

  it('still rejects a forbidden library by its alias', async () => {
    const errors = await boundaryErrors('apps/control-plane/src/x.ts', "export { KubeApi } from '@scaleplan/kube-emulator';\n");
    expect(errors).toEqual([expect.stringMatching(/may not depend on @scaleplan\/kube-emulator/)]);
  });
});
