import type { Command } from 'commander';
import {
  ACCELERATOR_NAMES,
  PRESET_NAMES,
  allocate,
  computeDataConstrainedAllocation,
  flopsFromAcceleratorHours,
  getPreset,
  type Allocation,
  type Precision,
} from '@scaleplan/scaling-laws';
import { CliUsageError } from '../cli-errors.js';
import { parsePositiveNumber } from '../cli-numbers.js';

interface AllocateOptions {
  flops?: string;
  acceleratorHours?: string;
  accelerator?: string;
  precision: string;
  mfu: string;
  law: string;
  uniqueTokens?: string;
  json?: boolean;
}

const PRECISIONS: readonly Precision[] = ['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8'];

/** The budget in FLOPs from either --flops or --accelerator-hours × peak × MFU, and how it was obtained. */
function resolveBudget(options: AllocateOptions): { flops: number; source: Record<string, unknown> } {
  if ((options.flops === undefined) === (options.acceleratorHours === undefined)) {
    throw new CliUsageError('give exactly one of --flops <C> or --accelerator-hours <H> (with --accelerator and --mfu)');
  }
  if (options.flops !== undefined) {
    if (options.accelerator !== undefined) throw new CliUsageError('--accelerator goes with --accelerator-hours, not with --flops');
    return { flops: parsePositiveNumber('--flops', options.flops), source: { kind: 'flops' } };
  }
  if (options.accelerator === undefined) throw new CliUsageError(`--accelerator-hours needs --accelerator <name> (one of ${ACCELERATOR_NAMES.join(', ')})`);
  if (!(PRECISIONS as readonly string[]).includes(options.precision)) {
    throw new CliUsageError(`--precision must be one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(options.precision)}`);
  }
  const hours = parsePositiveNumber('--accelerator-hours', options.acceleratorHours!);
  const utilisation = parsePositiveNumber('--mfu', options.mfu);
  const precision = options.precision as Precision;
  const flops = flopsFromAcceleratorHours({ hours, accelerator: options.accelerator, precision, utilisation });
  return { flops, source: { kind: 'accelerator-hours', acceleratorHours: hours, accelerator: options.accelerator, precision, mfu: utilisation } };
}

const format = (value: number, unit: string) => {
  const scales: [number, string][] = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'k']];
  const [scale, suffix] = scales.find(([s]) => value >= s) ?? [1, ''];
  return `${(value / scale).toPrecision(4)}${suffix} ${unit}`;
};

/** Human-readable lines for one allocation. */
export function describeAllocation(law: string, allocation: Allocation): string[] {
  return [
    `law             ${law}`,
    `budget          ${allocation.flops.toExponential(3)} FLOPs`,
    `N_opt           ${format(allocation.params, 'parameters')} (${allocation.params.toExponential(4)})`,
    `D_opt           ${format(allocation.tokens, 'tokens')} (${allocation.tokens.toExponential(4)})`,
    `tokens/param    ${allocation.tokensPerParam.toPrecision(4)}`,
    `predicted loss  ${allocation.loss === null ? 'n/a (power-law mapping)' : `${allocation.loss.toFixed(4)} nats/token`}`,
  ];
}

/** `scaleplan allocate`: the compute-optimal N and D for a budget under a preset law. */
export function registerAllocateCommand(program: Command): void {
  program
    .command('allocate')
    .description('Compute-optimal model size N_opt and training tokens D_opt for a compute budget under a published scaling law')
    .option('--flops <C>', 'training budget in FLOPs, e.g. 1e24')
    .option('--accelerator-hours <H>', 'budget in accelerator-hours (chips × hours) instead of --flops')
    .option('--accelerator <name>', `with --accelerator-hours: ${ACCELERATOR_NAMES.join(', ')}`)
    .option('--precision <p>', `with --accelerator-hours: ${PRECISIONS.join(', ')}`, 'bf16')
    .option('--mfu <u>', 'with --accelerator-hours: model FLOP utilisation in (0, 1]', '0.4')
    .option('--law <name>', `scaling-law preset: ${PRESET_NAMES.join(', ')}`, 'epoch-2024')
    .option('--unique-tokens <U>', 'unique training tokens available: loss-law presets allocate for repeated data (Muennighoff et al. 2023)')
    .option('--json', 'print one JSON object')
    .action((options: AllocateOptions) => {
      const preset = getPreset(options.law);
      const { flops, source } = resolveBudget(options);
      const uniqueTokens = options.uniqueTokens === undefined ? undefined : parsePositiveNumber('--unique-tokens', options.uniqueTokens);
      if (uniqueTokens !== undefined && preset.mapping.kind !== 'loss-law') {
        throw new CliUsageError(`--unique-tokens needs a loss-law preset to weigh repeated data with (e.g. epoch-2024, chinchilla-2022); ${preset.name} is a power law`);
      }
      const constrained = uniqueTokens !== undefined && preset.mapping.kind === 'loss-law' ? computeDataConstrainedAllocation(preset.mapping.law, flops, uniqueTokens) : undefined;
      const allocation: Allocation = constrained ?? allocate(preset.mapping, flops);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ law: preset.name, budget: source, ...allocation })}\n`);
        return;
      }
      const lines = describeAllocation(preset.name, allocation);
      if (constrained) {
        lines.push(`unique tokens   ${format(uniqueTokens!, 'tokens')}: ${constrained.repetitionFactor.toPrecision(3)} passes, worth ${format(constrained.effectiveTokens, 'fresh tokens')}`);
      }
      if (source.kind === 'accelerator-hours') lines.splice(2, 0, `                (${source.acceleratorHours} ${source.accelerator} hours, ${source.precision}, MFU ${source.mfu})`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
