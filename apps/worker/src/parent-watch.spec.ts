import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processExists, watchParent } from './parent-watch.js';

describe('watchParent', () => {
  it('calls back once the watched process is killed with SIGKILL', async () => {
    const parent = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    const pid = parent.pid!;
    expect(processExists(pid)).toBe(true);
    let calls = 0;
    const gone = new Promise<void>((resolve) =>
      watchParent(
        pid,
        () => {
          calls += 1;
          resolve();
        },
        20,
      ),
    );
    parent.kill('SIGKILL');
    await new Promise((resolve) => parent.once('exit', resolve));
    await gone;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(1);
  });

  it('stays quiet while the process lives, and stops watching when asked', async () => {
    let calls = 0;
    let alive = true;
    const stop = watchParent(
      4242,
      () => (calls += 1),
      10,
      () => alive,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop();
    alive = false;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(0);
  });
});
