// The real kubectl against the emulator, as the Kubernetes e2e specs run it: a private HOME (kubectl's cache) and
// the emulator's kubeconfig, nothing else from the environment but PATH.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The versioned binary of Debian's kubectl package: it skips the dispatcher's /version probe. */
export const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Where kubectl runs: its HOME and the emulator's kubeconfig. */
export interface KubectlTarget {
  readonly home: string;
  readonly kubeconfig: string;
}

/** Runs kubectl with `input` on stdin; resolves with the exit code and both streams (never rejects). */
export function runKubectl(target: KubectlTarget, args: string[], input?: string, timeoutMs = 60_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      args,
      { env: { PATH: process.env.PATH, HOME: target.home, KUBECONFIG: target.kubeconfig }, encoding: 'utf8', timeout: timeoutMs },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? '');
  });
}

/** Like runKubectl, but fails with kubectl's own output unless it exits 0; resolves with stdout. */
export async function runKubectlOk(target: KubectlTarget, args: string[], input?: string, timeoutMs?: number): Promise<string> {
  const result = await runKubectl(target, args, input, timeoutMs);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Applies ScalePlan's CRDs (k8s/crds/) and waits until the API server has established them. */
export async function applyScalePlanCrds(target: KubectlTarget): Promise<void> {
  await runKubectlOk(target, ['apply', '-f', join(import.meta.dirname, '..', '..', 'k8s/crds/')]);
  await runKubectlOk(target, [
    'wait',
    '--for',
    'condition=Established',
    '--timeout=20s',
    'crd/computebudgets.scaleplan.dev',
    'crd/scalinglaws.scaleplan.dev',
  ]);
}
