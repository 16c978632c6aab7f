import { startControlPlane } from './bootstrap.js';

/** `node dist/apps/control-plane/src/main.js`: the control plane as a process (env contract in docs/control-plane.md). */
try {
  const running = await startControlPlane();
  const stop = (): void => {
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  process.stderr.write(`control-plane: ${(error as Error).message}\n`);
  process.exit(1);
}
