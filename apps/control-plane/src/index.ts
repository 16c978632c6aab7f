// The control plane's public entry point: what other apps (the CLI) may use. Everything else under src/ is
// internal; the app-boundary lint rule (eslint.config.js) rejects imports that reach past this file.
export { startControlPlane, type ControlPlaneOverrides, type RunningControlPlane } from './bootstrap.js';
export { DemoIncompleteError, runDemo, type DemoOptions, type DemoResult } from './demo/demo-runner.js';
export { parseDuration } from './demo/demo-progress.js';
