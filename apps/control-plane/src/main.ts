import { startControlPlane } from './bootstrap.js';

/** `node dist/apps/control-plane/src/main.js`: the control plane as a process (env contract in docs/control-plane.md). */
try {
  const running = await startControlPlane({
    // A leader that lost its lease has stale caches: exit, and let the supervisor start a fresh standby.
    onLostLeadership: (reason) => {
      process.stderr.write(`control-plane: stopped, ${reason}\n`);
      void running.close().finally(() => process.exit(1));
    },
  });
  const stop = (): void => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  process.stderr.write(`control-plane: ${(error as Error).message}\n`);
  process.exit(1);
}
