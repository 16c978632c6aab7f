import { resolve } from 'node:path';
import type { Command } from 'commander';
import { startKubeEmulator } from '@scaleplan/kube-emulator';
import { CliUsageError } from '../cli-errors.js';

interface ImageMapping {
  readonly image: string;
  readonly command: string[];
}

/** `IMAGE=COMMAND ARGS…` → a mapping; the command is split on whitespace (no shell quoting). */
export function parseImageCommand(raw: string): ImageMapping {
  const eq = raw.indexOf('=');
  const image = eq > 0 ? raw.slice(0, eq).trim() : '';
  const command =
    eq > 0
      ? raw
          .slice(eq + 1)
          .trim()
          .split(/\s+/)
          .filter(Boolean)
      : [];
  if (!image || command.length === 0) {
    throw new CliUsageError(
      `--image-command must look like IMAGE=COMMAND [ARGS…] (e.g. "scaleplan/worker=node dist/apps/worker/src/main.js"); got "${raw}"`,
    );
  }
  return { image, command };
}

/** Finds the mapping for an image reference: exact, or the same repository with any tag or digest. */
export function matchImage(mappings: readonly ImageMapping[], image: string): ImageMapping | undefined {
  return mappings.find((m) => image === m.image || image.startsWith(`${m.image}:`) || image.startsWith(`${m.image}@`));
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliUsageError(`--port must be an integer between 0 and 65535 (0 picks a free port); got "${raw}"`);
  }
  return port;
}

/** Flags of `scaleplan kube-emulator`, as commander hands them over. */
export interface KubeEmulatorFlags {
  port: string;
  kubeconfig: string;
  kubelet?: boolean;
  workdir?: string;
  imageCommand: string[];
}

/**
 * Starts the emulator from CLI flags, prints how to use it, and keeps it running until `stop` aborts
 * (the command wires it to SIGINT/SIGTERM).
 */
export async function runKubeEmulator(
  flags: KubeEmulatorFlags,
  stop: AbortSignal,
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<void> {
  const port = parsePort(flags.port);
  if ((flags.workdir || flags.imageCommand.length > 0) && !flags.kubelet) {
    throw new CliUsageError('--workdir and --image-command only make sense with --kubelet');
  }
  const mappings = flags.imageCommand.map(parseImageCommand);
  const kubeconfigPath = resolve(flags.kubeconfig);
  let emulator;
  try {
    emulator = await startKubeEmulator({
      port,
      kubeconfigPath,
      ...(flags.kubelet
        ? {
            kubelet: {
              ...(flags.workdir ? { workdir: resolve(flags.workdir) } : {}),
              imageCommand: (image: string) => {
                const found = matchImage(mappings, image);
                return found ? { command: found.command } : undefined;
              },
            },
          }
        : {}),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliUsageError(`port ${port} is already in use; pick another with --port (0 picks a free one)`, { cause: error });
    }
    throw error;
  }
  write(
    [
      `Kubernetes API emulator listening on ${emulator.url} (reports v1.32.4${flags.kubelet ? ', kubelet simulator on' : ''})`,
      `Kubeconfig written to ${emulator.kubeconfigPath}`,
      '',
      'Use it with:',
      `  KUBECONFIG=${emulator.kubeconfigPath} kubectl get ns`,
      `  KUBECONFIG=${emulator.kubeconfigPath} scaleplan serve --dispatch kubernetes`,
      '',
      'State is in memory only. Press Ctrl+C to stop.',
      '',
    ].join('\n'),
  );
  if (!stop.aborted) await new Promise<void>((done) => stop.addEventListener('abort', () => done(), { once: true }));
  await emulator.stop();
}

/**
 * `scaleplan kube-emulator`: runs the Kubernetes API emulator (for local runs and tests) until interrupted, and
 * writes a kubeconfig that kubectl and the control plane use.
 */
export function registerKubeEmulatorCommand(program: Command): void {
  program
    .command('kube-emulator')
    .description('Run an in-memory Kubernetes API emulator that kubectl 1.32 and client-node work against (no cluster needed)')
    .option('--port <port>', 'TCP port on 127.0.0.1 (0 picks a free one)', '6443')
    .option('--kubeconfig <file>', 'where to write the kubeconfig', './kube-emulator.kubeconfig')
    .option('--kubelet', 'simulate a node: Jobs and Deployments get pods whose first container runs as a local process')
    .option('--workdir <dir>', 'working directory of pod processes (with --kubelet)')
    .option(
      '--image-command <IMAGE=COMMAND>',
      'command to run for containers of IMAGE (any tag) that have no command in the pod spec; repeatable (with --kubelet)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (flags: KubeEmulatorFlags) => {
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      await runKubeEmulator(flags, stop.signal);
    });
}
