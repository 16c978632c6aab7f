import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { computeOptimalAllocation, type AllocationMapping, type FittedMapping } from '@scaleplan/scaling-laws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerAllocateCommand } from './allocate.command.js';
import { registerFitCommand } from './fit.command.js';
import { runInProcess } from '../__tests__/run-in-process.js';

// Runs the built CLI as a user would (`npm run build` first; `npm test` does it).
const runCli = (...args: string[]) => {
  if (!existsSync('dist/apps/cli/src/main.js'))
    throw new Error('dist/apps/cli/src/main.js is missing: run "npm run build" before this spec');
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

  it('allocates for repeated data with --unique-tokens (eq. 5), and refuses it for power-law presets', () => {
    const free = JSON.parse(runCli('allocate', '--flops', '1e24', '--json').stdout);
    const constrained = runCli('allocate', '--flops', '1e24', '--unique-tokens', String(free.tokens / 10), '--json');
    expect(constrained.status).toBe(0);
    const out = JSON.parse(constrained.stdout);
    // Both terms of Muennighoff et al.'s eq. 5: a smaller model for more epochs, not a larger one.
    expect(out.params).toBeLessThan(free.params);
    expect(out.dataConstrained.epochs).toBeGreaterThan(1);
    expect(out.dataConstrained.effectiveTokens).toBeLessThan(out.tokens);
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

// In-process runs of the same action (no process start): output captured from process.stdout.
const runAllocate = (args: string[]): Promise<string> => runInProcess(registerAllocateCommand, ['allocate', ...args]);

const EPOCH_LAW = { irreducibleLoss: 1.8172, paramCoeff: 482.01, dataCoeff: 2085.43, paramExponent: 0.3478, dataExponent: 0.3658 };
const dir = mkdtempSync(join(tmpdir(), 'scaleplan-allocate-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** What `scaleplan fit --json` saves (format "scaleplan-fit", version 1): each method's FittedMapping under fits[].fitted. */
const savedFit = (overrides: { approach3Verdict?: { trusted: boolean; reason: string; message: string } } = {}): string => {
  const replicates: AllocationMapping[] = [0.35, 0.355, 0.36, 0.365, 0.37, 0.375, 0.38].map((beta) => ({
    kind: 'loss-law',
    law: { ...EPOCH_LAW, dataExponent: beta },
  }));
  const approach3: FittedMapping = {
    source: { kind: 'fit', method: 3, runs: 240 },
    mapping: { kind: 'loss-law', law: EPOCH_LAW },
    samples: replicates,
    percentiles: [10, 90],
    resamples: 8,
  };
  const approach2: FittedMapping = {
    source: { kind: 'fit', method: 2, runs: 240 },
    mapping: { kind: 'power-law', powerLaw: { paramCoeff: 0.0385, paramExponent: 0.5175, tokenCoeff: 4.325, tokenExponent: 0.4825 } },
    samples: [],
    percentiles: [10, 90],
  };
  const trusted = { trusted: true, reason: 'Trusted', message: 'all checks passed' };
  return JSON.stringify({
    format: 'scaleplan-fit',
    version: 1,
    primaryMethod: 3,
    fits: [
      { method: 1, refused: { code: 'TooFewObservations', message: 'Approach 1 needs loss curves' }, fitted: null },
      { method: 2, a: 0.5175, fitted: approach2, verdict: trusted },
      { method: 3, a: 0.5126, fitted: approach3, verdict: overrides.approach3Verdict ?? trusted },
    ],
  });
};

describe('scaleplan allocate: intervals, law files, data and inference', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints every preset allocation with its interval or says there is none', async () => {
    const epoch = await runAllocate(['--flops', '1e24']);
    expect(epoch).toMatch(/N_opt\s+95\.\d+B parameters \[\d+\.\d+B–1\d\d\.\dB\]/);
    expect(epoch).toMatch(/interval\s+published interval: Besiroglu et al\. 2024.*derived from the published standard error/);
    const chinchilla = await runAllocate(['--flops', '1e24', '--law', 'chinchilla-2022']);
    expect(chinchilla).toMatch(/implausibly narrow/);
    const json = JSON.parse(await runAllocate(['--flops', '1e24', '--json']));
    expect(json.intervals.params.lower).toBeLessThan(json.params);
    expect(json.intervalBasis.kind).toBe('published');
  });

  it('allocates from a saved fit with its bootstrap (approach 3 by default, --method to pick)', async () => {
    const path = file('fit.json', savedFit());
    const out = JSON.parse(await runAllocate(['--flops', '1e24', '--law-file', path, '--json']));
    expect(out.params).toBeCloseTo(computeOptimalAllocation(EPOCH_LAW, 1e24).params, -3);
    expect(out.intervalNote).toBe('bootstrap, 7/8 replicates, 10th–90th percentile');
    expect(out.law).toBe(`${path}, approach 3`);
    const text = await runAllocate(['--flops', '1e24', '--law-file', path]);
    expect(text).toMatch(/N_opt\s+[\d.]+B parameters \[[\d.]+B–[\d.]+B\]/);
    const approach2 = JSON.parse(await runAllocate(['--flops', '1e24', '--law-file', path, '--method', '2', '--json']));
    expect(approach2.params).toBeCloseTo(0.0385 * 1e24 ** 0.5175, -3);
    expect(approach2.intervalNote).toBe('no interval: the fit has no bootstrap replicates');
    const untrusted = await runAllocate([
      '--flops',
      '1e24',
      '--law-file',
      file(
        'untrusted.json',
        savedFit({ approach3Verdict: { trusted: false, reason: 'MethodsDisagree', message: 'approaches 2 and 3 do not overlap' } }),
      ),
    ]);
    expect(untrusted).toMatch(
      /verdict\s+NOT trusted \(MethodsDisagree\): approaches 2 and 3 do not overlap; this allocation is provisional/,
    );
  });

  it("round trip: allocates from what `scaleplan fit --json` wrote, with that fit's bootstrap", async () => {
    // An IsoFLOP grid drawn from a known law with a little deterministic noise.
    const rows = ['N,D,loss'];
    let k = 0;
    for (const budget of [1e18, 1e19, 1e20, 1e21]) {
      const centre = computeOptimalAllocation(EPOCH_LAW, budget).params;
      for (const factor of [0.25, 0.4, 0.63, 1, 1.6, 2.5, 4]) {
        const params = centre * factor;
        const tokens = budget / (6 * params);
        const loss =
          (EPOCH_LAW.irreducibleLoss +
            EPOCH_LAW.paramCoeff * params ** -EPOCH_LAW.paramExponent +
            EPOCH_LAW.dataCoeff * tokens ** -EPOCH_LAW.dataExponent) *
          (1 + 0.004 * Math.sin(++k * 2.3));
        rows.push(`${params},${tokens},${loss}`);
      }
    }
    const runs = file('grid.csv', rows.join('\n'));
    const printed = await runInProcess(registerFitCommand, ['fit', runs, '--method', '3', '--bootstrap', '20', '--json']);
    const saved = file('grid-fit.json', printed);
    const document = JSON.parse(printed);
    const out = JSON.parse(await runAllocate(['--flops', '1e24', '--law-file', saved, '--json']));
    const fit3 = document.fits.find((f: { method: number }) => f.method === 3);
    expect(out.source).toEqual(fit3.fitted.source);
    expect(out.intervalBasis).toMatchObject({ kind: 'bootstrap', resamples: 20 });
    expect(out.intervalBasis.replicates).toBe(fit3.fitted.samples.length);
    expect(out.intervals.params.lower).toBeLessThanOrEqual(out.params);
    expect(out.intervals.params.upper).toBeGreaterThanOrEqual(out.params);
    expect(Math.abs(out.params / computeOptimalAllocation(EPOCH_LAW, 1e24).params - 1)).toBeLessThan(0.2); // recovered from 28 runs three decades below
  });

  it('--unique-tokens: the known answer (epoch-2024, 1e24, 1e11 unique → ≈ 59.8B, ≈ 27.9 epochs) with its warning', async () => {
    const out = JSON.parse(await runAllocate(['--flops', '1e24', '--unique-tokens', '1e11', '--json']));
    expect(Math.abs(out.params / 59.8e9 - 1)).toBeLessThan(0.03);
    expect(Math.abs(out.dataConstrained.epochs / 27.9 - 1)).toBeLessThan(0.03);
    const text = await runAllocate(['--flops', '1e26', '--unique-tokens', '1e11']);
    expect(text).toMatch(/warning\s+\d+(\.\d+)? epochs over the unique data: beyond ~40 epochs more repetition is close to worthless/);
  });

  it('--inference-tokens: the smaller, longer-trained model, the FLOP split and the saving', async () => {
    const out = JSON.parse(await runAllocate(['--flops', '1e23', '--inference-tokens', '1e14', '--json']));
    expect(out.inference.params).toBeLessThan(out.params);
    expect(out.inference.saving).toBeGreaterThan(0);
    expect(out.inference.trainingFlops + out.inference.inferenceFlops).toBeCloseTo(out.inference.totalFlops, -10);
    const zero = JSON.parse(await runAllocate(['--flops', '1e23', '--inference-tokens', '0', '--json']));
    expect(zero.inference.params).toBe(zero.params);
    const text = await runAllocate(['--flops', '1e23', '--inference-tokens', '1e14']);
    expect(text).toMatch(/inference\s+100\.0T tokens over the model's life/);
    expect(text).toMatch(/% less than the compute-optimal model's/);
  });
});

describe('scaleplan allocate: bad input is one clear line', () => {
  const run = (args: string[]) => {
    const program = new Command('scaleplan').exitOverride();
    registerAllocateCommand(program);
    return program.parseAsync(['node', 'scaleplan', 'allocate', ...args]);
  };
  it.each([
    [['--flops', '1e24', '--unique-tokens', '-1'], /--unique-tokens must be a number > 0/],
    [['--flops', '1e24', '--unique-tokens', 'Infinity'], /--unique-tokens must be a number > 0/],
    [['--flops', '1e24', '--inference-tokens', '-5'], /--inference-tokens must be a number ≥ 0/],
    [['--flops', '1e24', '--inference-tokens', 'NaN'], /--inference-tokens must be a number ≥ 0/],
    [
      ['--flops', '1e24', '--law', 'chinchilla-2022-approach1', '--inference-tokens', '1e12'],
      /--inference-tokens needs a loss law .* chinchilla-2022-approach1 is a power law/,
    ],
    [['--flops', '1e24', '--method', '3'], /--method picks a method of a --law-file/],
    [['--flops', '1e24', '--law-file', '/nonexistent/fit.json'], /--law-file \/nonexistent\/fit.json cannot be read: ENOENT/],
  ])('refuses %j', async (args, message) => {
    await expect(run(args)).rejects.toThrow(message);
  });

  it.each([
    ['runs.csv', 'N,D,loss\n1e8,2e9,3.1\n', /is not a fit saved by "scaleplan fit --json": it is not JSON/],
    [
      'other.json',
      JSON.stringify({ hello: 'world' }),
      /is not a fit saved by "scaleplan fit --json": "format" is undefined, not "scaleplan-fit"/,
    ],
    ['future.json', JSON.stringify({ format: 'scaleplan-fit', version: 9, fits: [] }), /version 9 is not supported/],
    [
      'broken.json',
      JSON.stringify({
        format: 'scaleplan-fit',
        version: 1,
        fits: [
          {
            method: 3,
            fitted: {
              source: { kind: 'fit', method: 3, runs: 1 },
              mapping: { kind: 'loss-law', law: { irreducibleLoss: 'x' } },
              samples: [],
              percentiles: [10, 90],
            },
          },
        ],
      }),
      /fits\[0\]\.fitted\.mapping: law: irreducibleLoss is not a finite number/,
    ],
    [
      'refused.json',
      JSON.stringify({
        format: 'scaleplan-fit',
        version: 1,
        fits: [{ method: 1, refused: { code: 'x', message: 'no curves' }, fitted: null }],
      }),
      /no method in it has a fitted mapping/,
    ],
  ])('refuses a law file that is not a fit (%s)', async (name, text, message) => {
    await expect(run(['--flops', '1e24', '--law-file', file(name, text)])).rejects.toThrow(message);
  });

  it('refuses unknown methods and methods the file lacks', async () => {
    const path = file('fit-methods.json', savedFit());
    await expect(run(['--flops', '1e24', '--law-file', path, '--method', '4'])).rejects.toThrow(/--method must be 1, 2 or 3, got "4"/);
    await expect(run(['--flops', '1e24', '--law-file', path, '--method', '1'])).rejects.toThrow(
      /has no fitted mapping of approach 1; it has 2, 3/,
    );
    await expect(run(['--flops', '1e24', '--law-file', path, '--law', 'epoch-2024'])).rejects.toThrow(
      /either --law <preset> or --law-file/,
    );
  });
});
