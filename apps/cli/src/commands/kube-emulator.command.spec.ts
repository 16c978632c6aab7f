import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../cli-errors.js';
import { matchImage, parseImageCommand } from './kube-emulator.command.js';

describe('scaleplan kube-emulator --image-command', () => {
  it('parses IMAGE=COMMAND ARGS and matches any tag or digest of the image', () => {
    const mapping = parseImageCommand('scaleplan/worker=node dist/apps/worker/src/main.js --simulate');
    expect(mapping).toEqual({ image: 'scaleplan/worker', command: ['node', 'dist/apps/worker/src/main.js', '--simulate'] });
    expect(matchImage([mapping], 'scaleplan/worker')).toBe(mapping);
    expect(matchImage([mapping], 'scaleplan/worker:0.1.0')).toBe(mapping);
    expect(matchImage([mapping], 'scaleplan/worker@sha256:abc')).toBe(mapping);
    expect(matchImage([mapping], 'scaleplan/worker-gpu:1')).toBeUndefined();
  });
  it.each(['scaleplan/worker', '=node', 'scaleplan/worker=  '])('rejects %j with a usage error', (raw) => {
    expect(() => parseImageCommand(raw)).toThrow(CliUsageError);
  });
});

describe('runKubeEmulator', () => {
  it('starts the emulator, writes a working kubeconfig, prints how to use it, and stops on abort', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { runKubeEmulator } = await import('./kube-emulator.command.js');
    const dir = mkdtempSync(join(tmpdir(), 'kube-emulator-cli-'));
    const stop = new AbortController();
    let printed = '';
    const running = runKubeEmulator(
      { port: '0', kubeconfig: join(dir, 'kubeconfig'), kubelet: true, imageCommand: ['x=true'] },
      stop.signal,
      (t) => (printed += t),
    );
    try {
      for (let i = 0; i < 100 && !printed; i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(printed).toContain(`KUBECONFIG=${join(dir, 'kubeconfig')} kubectl get ns`);
      const server = /server: (\S+)/.exec(readFileSync(join(dir, 'kubeconfig'), 'utf8'))![1]!;
      expect(await (await fetch(`${server}/version`)).json()).toMatchObject({ gitVersion: 'v1.32.4' });
    } finally {
      stop.abort();
      await running;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad flags with usage errors', async () => {
    const { runKubeEmulator } = await import('./kube-emulator.command.js');
    const never = new AbortController().signal;
    await expect(runKubeEmulator({ port: '70000', kubeconfig: 'x', imageCommand: [] }, never)).rejects.toThrow(/--port must be an integer/);
    await expect(runKubeEmulator({ port: '0', kubeconfig: 'x', imageCommand: ['a=b'] }, never)).rejects.toThrow(
      /only make sense with --kubelet/,
    );
  });
});
