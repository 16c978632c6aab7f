import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../bin/scaleplan.js', import.meta.url));

/** `scaleplan demo` past its deadline (the built CLI, a private Redis, simulated runs). */
describe('scaleplan demo --deadline', () => {
  it('writes a partial report marked incomplete and exits 1 with one line, no stack trace', () => {
    const report = mkdtempSync(join(tmpdir(), 'demo-deadline-'));
    // 1 ms: the deadline has passed when the demo first looks, whatever the machine's speed.
    const result = spawnSync(process.execPath, [cli, 'demo', '--simulate', '--deadline', '0.001', '--report', report, '--workers', '1'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.status).toBe(1);
    const errorLines = result.stderr.trim().split('\n');
    expect(errorLines).toEqual([
      expect.stringMatching(/^scaleplan: demo incomplete: the deadline of 0s was reached after \d+\/\d+ runs; partial report in /),
    ]);
    const written = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8'));
    expect(written.complete).toBe(false);
    expect(written.incomplete).toMatch(/deadline/);
    expect(readFileSync(join(report, 'isoflop-profiles.svg'), 'utf8')).toContain('INCOMPLETE');
  });

  it('refuses a deadline that is not a duration, naming the flag', () => {
    const result = spawnSync(process.execPath, [cli, 'demo', '--simulate', '--deadline', 'soon'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe('scaleplan: --deadline must be a duration such as 10m, 90s or 1h30m, got soon');
  });
});
