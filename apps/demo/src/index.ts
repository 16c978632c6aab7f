// The demo's public entry point (`scaleplan demo` in the CLI; tests and benches use its Redis helpers). The demo
// uses the control plane only through the control plane's own public entry point (apps/control-plane/src/index.ts).
export { DemoIncompleteError, runDemo, SIMULATED_DEMO_STUDY, type DemoOptions, type DemoResult } from './demo-runner.js';
export { parseDuration } from './demo-progress.js';
export { acquireDemoRedis, freePort, redisReachable } from './private-redis.js';
