// The control plane's public entry point: what other apps (the CLI, the demo) may use. Everything else under src/
// is internal; the app-boundary lint rule (eslint.config.js) rejects imports that reach past this file.
export { startControlPlane, type ControlPlaneOverrides, type RunningControlPlane } from './bootstrap.js';
export { summariseProfiles, writeStudyReport, type ProfileSummary } from './dashboard/study-report.js';
