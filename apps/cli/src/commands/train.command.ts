import type { Command } from 'commander';
import { BACKEND_PREFERENCES, loadTrainer, type BackendPreference, type TrainingResult } from '@scaleplan/language-model';
import { CliUsageError } from '../cli-errors.js';

interface TrainOptions {
  params: string;
  tokens: string;
  corpus: string;
  seed: string;
  tokenizer: string;
  sequenceLength: string;
  backend: string;
  json?: boolean;
}

const positiveNumber = (flag: string, raw: string, integer: boolean): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new CliUsageError(`${flag} must be a positive ${integer ? 'integer' : 'number'} (e.g. 1e5), got ${JSON.stringify(raw)}`);
  }
  return value;
};

/** The `--json` shape: the fields named by the issue first, then the rest of the result. */
const toJson = (result: TrainingResult): Record<string, unknown> => ({
  params: result.params,
  paramsTotal: result.paramsTotal,
  tokens: result.tokens,
  flops: result.flops,
  finalLoss: result.finalLoss ?? null,
  ...(result.finalLossStdError !== undefined ? { finalLossStdError: result.finalLossStdError, evalTokens: result.evalTokens } : {}),
  backend: result.backend,
  tokensPerSecond: result.tokensPerSecond,
  curve: result.curve,
  status: result.status,
  ...(result.divergedAtStep !== undefined ? { divergedAtStep: result.divergedAtStep, divergenceReason: result.divergenceReason } : {}),
  shape: result.shape,
  wallSeconds: result.wallSeconds,
  repetitionFactor: result.repetitionFactor,
  simulated: result.simulated,
});

/** `scaleplan train`: one real training run on this machine, without Redis or a control plane. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('Train one model of ~N non-embedding parameters on exactly D tokens, locally (no Redis), and print the result')
    .requiredOption('--params <N>', 'target non-embedding parameter count, e.g. 1e5')
    .requiredOption('--tokens <D>', 'exact number of training tokens, e.g. 2e6')
    .option('--corpus <name|path>', 'moby-dick, sotu, or a path to a text file or directory', 'moby-dick')
    .option('--seed <S>', 'random seed (same seed and backend: bit-identical run)', '0')
    .option('--tokenizer <kind>', 'byte or char', 'byte')
    .option('--sequence-length <T>', 'tokens per training sequence', '64')
    .option('--backend <name>', `TensorFlow.js backend: ${BACKEND_PREFERENCES.join(', ')}`, 'auto')
    .option('--json', 'print the result as JSON')
    .action(async (options: TrainOptions) => {
      const params = positiveNumber('--params', options.params, false);
      const tokens = positiveNumber('--tokens', options.tokens, true);
      const seed = Number(options.seed);
      if (!Number.isInteger(seed) || seed < 0)
        throw new CliUsageError(`--seed must be a non-negative integer, got ${JSON.stringify(options.seed)}`);
      const sequenceLength = positiveNumber('--sequence-length', options.sequenceLength, true);
      if (!(BACKEND_PREFERENCES as readonly string[]).includes(options.backend)) {
        throw new CliUsageError(`--backend must be one of ${BACKEND_PREFERENCES.join(', ')}, got ${JSON.stringify(options.backend)}`);
      }
      const { Trainer } = await loadTrainer();
      const trainer = new Trainer({
        backend: options.backend as BackendPreference,
        onProgress: (event) => {
          if (options.json || event.point?.evalLoss === undefined) return;
          process.stderr.write(
            `step ${event.step}/${event.totalSteps}  tokens ${event.tokens}  eval loss ${event.point.evalLoss.toFixed(4)} nats\n`,
          );
        },
      });
      const result = await trainer.train({
        runId: 'cli',
        params,
        tokens,
        seed,
        corpus: options.corpus,
        tokenizer: options.tokenizer,
        sequenceLength,
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(toJson(result))}\n`);
        return;
      }
      const { shape } = result;
      process.stdout.write(
        [
          `status          ${result.status}${result.divergedAtStep !== undefined ? ` at step ${result.divergedAtStep}: ${result.divergenceReason}` : ''}`,
          `params          ${result.params} non-embedding, ${result.paramsTotal} total (layers ${shape.layers}, d_model ${shape.modelDim}, heads ${shape.heads}, d_ff ${shape.ffDim})`,
          `tokens          ${result.tokens} (repetition factor ${result.repetitionFactor.toPrecision(3)})`,
          `flops           ${result.flops.toExponential(3)}`,
          `final loss      ${result.finalLoss !== undefined ? `${result.finalLoss.toFixed(4)} nats/token (held-out)` : 'none (diverged)'}`,
          `backend         ${result.backend}`,
          `throughput      ${Math.round(result.tokensPerSecond)} tokens/s, ${result.wallSeconds.toFixed(1)} s wall`,
          '',
        ].join('\n'),
      );
    });
}
