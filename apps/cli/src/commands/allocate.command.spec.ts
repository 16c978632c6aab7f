import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerAllocateCommand } from './allocate.command.js';

// Runs the built CLI as a user would (`npm run build` first; `npm test` does it).
const runCli = (...args: string[]) => {
  if (!existsSync('dist/apps/cli/src/main.js')) throw new Error('dist/apps/cli/src/main.js is missing: run "npm run build" before this spec');
  const result = spawnSync(process.execPath, ['bin/scaleplan.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('scaleplan allocate (built CLI)', () => {
  it('gives N_opt ≈ 40.4B at the Gopher budget under chinchilla-2022', () => {
    const { status, stdout } = runCli('allocate', '--flops', '5.76e23', '--law', 'chinchilla-2022', '--json');
    expect(status).toBe(0);
    const out = JSON.parse(stdout);
    expect(Math.abs(out.params / 40.4e9 - 1)).toBeLessThan(0.01);
    expect(out).toMatchObject({ law: 'chinchilla-2022', flops: 5.76e23 });
    expect(6 * out.params * out.tokens).toBeCloseTo(5.76e23, -10);
  });

  it('turns accelerator-hours into FLOPs (dense bf16 peak × MFU) and prints text by default', () => {
    const json = JSON.parse(runCli('allocate', '--accelerator-hours', '5000', '--accelerator', 'h100', '--mfu', '0.4', '--json').stdout);
    expect(json.flops).toBeCloseTo(5000 * 3600 * 989.5e12 * 0.4, -12);
    expect(json.budget).toMatchObject({ kind: 'accelerator-hours', accelerator: 'h100', precision: 'bf16', mfu: 0.4 });
    const text = runCli('allocate', '--flops', '1e24');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/law\s+epoch-2024/);
    expect(text.stdout).toMatch(/N_opt\s+\d/);
  });

  it('allocates for repeated data with --unique-tokens, and refuses it for power-law presets', () => {
    const free = JSON.parse(runCli('allocate', '--flops', '1e24', '--json').stdout);
    const constrained = runCli('allocate', '--flops', '1e24', '--unique-tokens', String(free.tokens / 10), '--json');
    expect(constrained.status).toBe(0);
    const out = JSON.parse(constrained.stdout);
    expect(out.params).toBeGreaterThan(free.params);
    expect(out.repetitionFactor).toBeGreaterThan(1);
    expect(out.effectiveTokens).toBeLessThan(out.tokens);
    const refused = runCli('allocate', '--flops', '1e24', '--law', 'chinchilla-2022-approach2', '--unique-tokens', '1e10');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/--unique-tokens needs a loss-law preset/);
  });

  it('refuses an unknown law with a clear message and exit code 2', () => {
    const { status, stderr } = runCli('allocate', '--flops', '1e24', '--law', 'kaplan');
    expect(status).toBe(2);
    expect(stderr).toMatch(/unknown scaling-law preset "kaplan"; known presets: chinchilla-2022, .*epoch-2024/);
  });
});

// The other refusals run in-process (same action, no process start): each message names what was wrong.
describe('scaleplan allocate refusals', () => {
  const run = (args: string[]) => {
    const program = new Command('scaleplan').exitOverride();
    registerAllocateCommand(program);
    return program.parseAsync(['node', 'scaleplan', 'allocate', ...args]);
  };
  it.each([
    [['--flops', 'lots'], /--flops must be a number > 0 \(e\.g\. 1e24\), got "lots"/],
    [['--accelerator-hours', '10', '--accelerator', 'tpu-v9'], /unknown accelerator "tpu-v9"; known: h100-sxm, /],
    [['--accelerator-hours', '10'], /--accelerator-hours needs --accelerator/],
    [['--flops', '1e24', '--accelerator-hours', '10'], /give exactly one of --flops/],
    [['--accelerator-hours', '10', '--accelerator', 'v100'], /NVIDIA V100 SXM2 has no bf16 peak; known for it: fp64, fp32, fp16/],
  ])('refuses %j', async (args, message) => {
    await expect(run(args)).rejects.toThrow(message);
  });
});
