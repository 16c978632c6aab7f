import { readFileSync } from 'node:fs';
import { acceleratorHoursCountSchema, budgetFlopsSchema, demandTokensSchema, tokenCountSchema } from '@scaleplan/contracts';
import type { Command } from 'commander';
import {
  ACCELERATOR_NAMES,
  PRESET_NAMES,
  estimateAllocation,
  flopsFromAcceleratorHours,
  getPreset,
  parseFittedMapping,
  presetFittedMapping,
  type AllocationEstimate,
  type FittedMapping,
  type Interval,
  type Precision,
} from '@scaleplan/scaling-laws';
import { CliUsageError } from '../cli-errors.js';
import { parsePositiveNumber, withinContract } from '../cli-numbers.js';

interface AllocateOptions {
  flops?: string;
  acceleratorHours?: string;
  accelerator?: string;
  precision: string;
  mfu: string;
  law?: string;
  lawFile?: string;
  method?: string;
  uniqueTokens?: string;
  inferenceTokens?: string;
  json?: boolean;
}

const PRECISIONS: readonly Precision[] = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8'];
const DEFAULT_PRESET = 'epoch-2024';

/** The budget in FLOPs from either --flops or --accelerator-hours × peak × MFU, and how it was obtained. */
function resolveBudget(options: AllocateOptions): { flops: number; source: Record<string, unknown> } {
  if ((options.flops === undefined) === (options.acceleratorHours === undefined)) {
    throw new CliUsageError('give exactly one of --flops <C> or --accelerator-hours <H> (with --accelerator and --mfu)');
  }
  if (options.flops !== undefined) {
    if (options.accelerator !== undefined) throw new CliUsageError('--accelerator goes with --accelerator-hours, not with --flops');
    return {
      flops: withinContract('--flops', parsePositiveNumber('--flops', options.flops), budgetFlopsSchema),
      source: { kind: 'flops' },
    };
  }
  if (options.accelerator === undefined)
    throw new CliUsageError(`--accelerator-hours needs --accelerator <name> (one of ${ACCELERATOR_NAMES.join(', ')})`);
  if (!(PRECISIONS as readonly string[]).includes(options.precision)) {
    throw new CliUsageError(`--precision must be one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(options.precision)}`);
  }
  const hours = withinContract(
    '--accelerator-hours',
    parsePositiveNumber('--accelerator-hours', options.acceleratorHours!),
    acceleratorHoursCountSchema,
  );
  const utilisation = parsePositiveNumber('--mfu', options.mfu);
  const precision = options.precision as Precision;
  const flops = flopsFromAcceleratorHours({ hours, accelerator: options.accelerator, precision, utilisation });
  return {
    flops,
    source: { kind: 'accelerator-hours', acceleratorHours: hours, accelerator: options.accelerator, precision, mfu: utilisation },
  };
}

/** A finite number ≥ 0 from a flag value (inference demand may be zero); the message names the flag. */
function parseNonNegativeNumber(flag: string, raw: string): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new CliUsageError(`${flag} must be a number ≥ 0 (e.g. 1e13), got ${JSON.stringify(raw)}`);
  return value;
}

/** --method for a law file: 1, 2 or 3. */
function parseMethod(raw: string): 1 | 2 | 3 {
  if (!['1', '2', '3'].includes(raw.trim())) throw new CliUsageError(`--method must be 1, 2 or 3, got ${JSON.stringify(raw)}`);
  return Number(raw) as 1 | 2 | 3;
}

/** `format`/`version` of the document `scaleplan fit --json` writes (apps/cli/src/fit-report.ts). */
const FIT_FILE_FORMAT = 'scaleplan-fit';
const FIT_FILE_VERSION = 1;

/** One fitted method of a saved fit: its mapping and, when the fit judged it, its trust verdict. */
interface SavedMethod {
  readonly fitted: FittedMapping;
  readonly verdict?: { readonly trusted: boolean; readonly reason: string; readonly message: string };
}

/** A fit saved by `scaleplan fit --json`, read defensively: every method's `fitted` mapping is checked. */
interface SavedFit {
  readonly methods: ReadonlyMap<1 | 2 | 3, SavedMethod>;
  readonly primaryMethod?: 1 | 2 | 3;
}

function readLawFile(path: string): SavedFit {
  const notAFit = (why: string) => new CliUsageError(`--law-file ${path} is not a fit saved by "scaleplan fit --json": ${why}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliUsageError(`--law-file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw notAFit('it is not JSON');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw notAFit('it is not a JSON object');
  const record = document as Record<string, unknown>;
  if (record.format !== FIT_FILE_FORMAT) throw notAFit(`"format" is ${JSON.stringify(record.format)}, not "${FIT_FILE_FORMAT}"`);
  if (record.version !== FIT_FILE_VERSION)
    throw notAFit(`version ${JSON.stringify(record.version)} is not supported (this scaleplan reads version ${FIT_FILE_VERSION})`);
  if (!Array.isArray(record.fits)) throw notAFit('"fits" is not a list');
  const methods = new Map<1 | 2 | 3, SavedMethod>();
  for (const [i, entry] of record.fits.entries()) {
    if (typeof entry !== 'object' || entry === null) throw notAFit(`fits[${i}] is not an object`);
    const fit = entry as Record<string, unknown>;
    if (fit.fitted === null || fit.fitted === undefined) continue; // a method that was refused or has no frontier
    const parsed = parseFittedMapping(fit.fitted);
    if (!parsed.ok) throw notAFit(`fits[${i}].fitted.${parsed.reason}`);
    const source = parsed.fitted.source;
    if (source.kind !== 'fit') throw notAFit(`fits[${i}] is a preset (${source.name}): use --law ${source.name}`);
    const verdict = fit.verdict as SavedMethod['verdict'] | undefined;
    const judged =
      typeof verdict === 'object' && verdict !== null && typeof verdict.trusted === 'boolean' && typeof verdict.message === 'string';
    methods.set(source.method, { fitted: parsed.fitted, ...(judged ? { verdict } : {}) });
  }
  if (methods.size === 0) throw notAFit('no method in it has a fitted mapping');
  const primary = record.primaryMethod;
  return { methods, ...(primary === 1 || primary === 2 || primary === 3 ? { primaryMethod: primary } : {}) };
}

/** The mapping to allocate with: a preset (--law) or one method of a saved fit (--law-file, --method). */
function resolveMapping(options: AllocateOptions): { label: string; fitted: FittedMapping; verdict?: SavedMethod['verdict'] } {
  if (options.lawFile !== undefined) {
    if (options.law !== undefined) throw new CliUsageError('give either --law <preset> or --law-file <fit.json>, not both');
    const saved = readLawFile(options.lawFile);
    const wanted = options.method === undefined ? undefined : parseMethod(options.method);
    const preference: (1 | 2 | 3 | undefined)[] = [saved.primaryMethod, 3, 2, 1];
    const fallback = preference.find((m): m is 1 | 2 | 3 => m !== undefined && saved.methods.has(m))!;
    const method = wanted ?? fallback;
    const picked = saved.methods.get(method);
    if (!picked)
      throw new CliUsageError(
        `--method ${method}: ${options.lawFile} has no fitted mapping of approach ${method}; it has ${[...saved.methods.keys()].sort().join(', ')}`,
      );
    return {
      label: `${options.lawFile}, approach ${method}`,
      fitted: picked.fitted,
      ...(picked.verdict ? { verdict: picked.verdict } : {}),
    };
  }
  if (options.method !== undefined) throw new CliUsageError('--method picks a method of a --law-file; a preset has one');
  const name = options.law ?? DEFAULT_PRESET;
  getPreset(name); // throws UnknownPreset listing the names
  return { label: name, fitted: presetFittedMapping(name) };
}

const format = (value: number, unit: string) => {
  const scales: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  const [scale, suffix] = scales.find(([s]) => value >= s) ?? [1, ''];
  return `${(value / scale).toPrecision(4)}${suffix}${unit ? ` ${unit}` : ''}`;
};

const withInterval = (text: string, interval: Interval | null, show: (value: number) => string): string =>
  interval ? `${text} [${show(interval.lower)}–${show(interval.upper)}]` : text;

/** Human-readable lines for one estimate: the tuple with its intervals, where they come from, the extra parts and warnings. */
function describeEstimate(law: string, estimate: AllocationEstimate): string[] {
  const count = (value: number) => format(value, '');
  const { intervals } = estimate;
  const lines = [
    `law             ${law}`,
    `budget          ${estimate.flops.toExponential(3)} FLOPs`,
    `N_opt           ${withInterval(format(estimate.params, 'parameters'), intervals.params, count)}`,
    `D_opt           ${withInterval(format(estimate.tokens, 'tokens'), intervals.tokens, count)}`,
    `tokens/param    ${withInterval(estimate.tokensPerParam.toPrecision(4), intervals.tokensPerParam, (v) => v.toPrecision(3))}`,
    `predicted loss  ${estimate.loss === null ? 'n/a (power-law mapping)' : withInterval(`${estimate.loss.toFixed(4)} nats/token`, intervals.loss, (v) => v.toFixed(4))}`,
    `interval        ${estimate.intervalNote}`,
  ];
  const constrained = estimate.dataConstrained;
  if (constrained) {
    lines.push(
      `unique tokens   ${format(constrained.uniqueTokens, 'tokens')}: ${constrained.epochs.toPrecision(3)} epochs` +
        (constrained.effectiveTokens !== undefined
          ? `, worth ${format(constrained.effectiveTokens, 'fresh tokens')} (Muennighoff et al. 2023 eq. 5)`
          : '') +
        `; without the limit N_opt ${count(constrained.unconstrained.params)}, D_opt ${count(constrained.unconstrained.tokens)}`,
    );
  }
  const inference = estimate.inference;
  if (inference) {
    lines.push(
      `inference       ${format(inference.inferenceTokens, 'tokens')} over the model's life (Sardana et al. 2024): train N ${withInterval(count(inference.params), inference.paramsInterval, count)} on D ${withInterval(count(inference.tokens), inference.tokensInterval, count)} tokens (${inference.tokensPerParam.toPrecision(3)} tokens/param) to reach the same loss`,
      `                FLOPs: training ${inference.trainingFlops.toExponential(3)} + inference ${inference.inferenceFlops.toExponential(3)} = ${inference.totalFlops.toExponential(3)}, ${(inference.saving * 100).toFixed(1)}% less than the compute-optimal model's ${inference.trainingOnlyTotalFlops.toExponential(3)}`,
    );
  }
  for (const warning of estimate.warnings) lines.push(`warning         ${warning}`);
  return lines;
}

/** `scaleplan allocate`: the compute-optimal N and D for a budget under a preset or a saved fit, with intervals. */
export function registerAllocateCommand(program: Command): void {
  program
    .command('allocate')
    .description(
      'Compute-optimal model size N_opt and training tokens D_opt, with intervals, for a compute budget under a published law or a saved fit',
    )
    .option('--flops <C>', 'training budget in FLOPs, e.g. 1e24')
    .option('--accelerator-hours <H>', 'budget in accelerator-hours (chips × hours) instead of --flops')
    .option('--accelerator <name>', `with --accelerator-hours: ${ACCELERATOR_NAMES.join(', ')}`)
    .option('--precision <p>', `with --accelerator-hours: ${PRECISIONS.join(', ')}`, 'bf16')
    .option('--mfu <u>', 'with --accelerator-hours: model FLOP utilisation in (0, 1]', '0.4')
    .option('--law <name>', `scaling-law preset: ${PRESET_NAMES.join(', ')} (default ${DEFAULT_PRESET})`)
    .option('--law-file <fit.json>', 'allocate from a fit saved by "scaleplan fit --json" (with its bootstrap intervals)')
    .option('--method <m>', 'with --law-file: the approach to use, 1, 2 or 3 (default: 3, else the first fitted)')
    .option(
      '--unique-tokens <U>',
      'unique training tokens available: allocate for repeated data (Muennighoff et al. 2023 eq. 5; loss laws only)',
    )
    .option(
      '--inference-tokens <I>',
      'lifetime inference tokens: add the model that reaches the same loss with the fewest total FLOPs (Sardana et al. 2024; loss laws only)',
    )
    .option('--json', 'print one JSON object')
    .action((options: AllocateOptions) => {
      const { label, fitted, verdict } = resolveMapping(options);
      const { flops, source } = resolveBudget(options);
      const uniqueTokens =
        options.uniqueTokens === undefined
          ? undefined
          : withinContract('--unique-tokens', parsePositiveNumber('--unique-tokens', options.uniqueTokens), tokenCountSchema);
      const inferenceTokens =
        options.inferenceTokens === undefined
          ? undefined
          : withinContract('--inference-tokens', parseNonNegativeNumber('--inference-tokens', options.inferenceTokens), demandTokensSchema);
      const powerLaw = fitted.mapping.kind === 'power-law';
      if (uniqueTokens !== undefined && powerLaw) {
        throw new CliUsageError(
          `--unique-tokens needs a loss-law preset or an approach-3 fit to weigh repeated data with (e.g. epoch-2024, chinchilla-2022); ${label} is a power law`,
        );
      }
      if (inferenceTokens !== undefined && powerLaw) {
        throw new CliUsageError(
          `--inference-tokens needs a loss law L(N, D) to hold the loss fixed while trading parameters for tokens (e.g. epoch-2024, chinchilla-2022, or an approach-3 fit); ${label} is a power law`,
        );
      }
      const estimate = estimateAllocation(fitted, flops, {
        ...(uniqueTokens !== undefined ? { uniqueTokens } : {}),
        ...(inferenceTokens !== undefined ? { inferenceTokens } : {}),
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ law: label, budget: source, ...estimate, ...(verdict ? { verdict } : {}) })}\n`);
        return;
      }
      const lines = describeEstimate(label, estimate);
      if (source.kind === 'accelerator-hours')
        lines.splice(
          2,
          0,
          `                (${source.acceleratorHours} ${source.accelerator} hours, ${source.precision}, MFU ${source.mfu})`,
        );
      // The fit's own trust verdict travels with it: an untrusted fit's allocation is provisional.
      if (verdict)
        lines.splice(
          1,
          0,
          `verdict         ${verdict.trusted ? 'trusted' : `NOT trusted (${verdict.reason}): ${verdict.message}; this allocation is provisional`}`,
        );
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
