#!/usr/bin/env node
// Runs the whole vitest suite and ends with the plain summary line CI reads: "N passed, N failed, N skipped",
// followed by why tests were skipped (tests record a reason in meta.skipReason, e.g. test/support/shared-data.ts).
// Under CI (CI set) a test skipped for a recorded reason fails the run: CI must have everything the tests need.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const resultsFile = '.vitest-results.json';
rmSync(resultsFile, { force: true });
const run = spawnSync(
  'npx',
  ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
let skipped = 0;
const skipReasons = new Map(); // reason → number of tests skipped for it
try {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0);
  skipped = results.numPendingTests + (results.numTodoTests ?? 0);
  for (const suite of results.testResults ?? []) {
    if (suite.status === 'failed' && suite.assertionResults?.length === 0) failed += 1; // a file that failed to load
    for (const test of suite.assertionResults ?? []) {
      const reason = test.meta?.skipReason;
      if (reason && (test.status === 'skipped' || test.status === 'pending')) skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + 1);
    }
  }
} catch (error) {
  console.error(`Could not read ${resultsFile}: ${error.message}`);
  failed += 1;
}
const reasons = [...skipReasons].map(([reason, count]) => `${count} skipped: ${reason}`);
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
const underCi = Boolean(process.env.CI) && process.env.CI !== 'false';
if (underCi && skipReasons.size > 0) console.error('CI: tests were skipped for the reasons above; CI must provide what they need.');
process.exit(run.status === 0 && failed === 0 && !(underCi && skipReasons.size > 0) ? 0 : 1);
