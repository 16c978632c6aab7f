import { readFileSync } from 'node:fs';
import { trainerRunSpecSchema, type TrainerRunSpec } from '@scaleplan/contracts';
import { checkpointDirFor, isPermanentLanguageModelError, loadTrainer, simulateRun, type TrainingResult } from '@scaleplan/language-model';
import type { Logger } from 'pino';
import type { WorkerConfig } from '../config/worker.config.js';
import { resolveCorpusForWorker } from '../training/corpus-access.js';
import { ReportSink } from './report-sink.js';

/** Exit codes of a single run: 0 reported a result; 1 failed; 2 the run file is unusable; 143 interrupted (SIGTERM). */
export const SingleRunExit = { Reported: 0, Failed: 1, BadRunFile: 2, Interrupted: 143 } as const;

/** Reads and checks the run file (`SCALEPLAN_RUN_FILE`). */
export function readRunFile(path: string): TrainerRunSpec {
  const parsed = trainerRunSpecSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new Error(`invalid run file ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/**
 * The built-in worker as a trainer of the trainer contract (dispatch mode jobs): trains — or, for a simulated
 * study, simulates — the one run of its run file, reports progress and the result (JSON lines, and a POST when
 * the run has a report URL), and exits. No Redis, no queue: the control plane holds the run.
 */
export async function runSingle(
  config: WorkerConfig & { runFile: string },
  log: Logger,
  signal: AbortSignal,
  sink?: ReportSink,
): Promise<number> {
  let spec: TrainerRunSpec;
  try {
    spec = readRunFile(config.runFile);
  } catch (error) {
    log.error({ err: (error as Error).message }, 'Rejected run file');
    return SingleRunExit.BadRunFile;
  }
  const reports = sink ?? new ReportSink({ url: config.reportUrl ?? '', token: config.runToken ?? '' }, log);
  const run = {
    runId: spec.runId,
    params: spec.params,
    tokens: spec.tokens,
    seed: spec.seed,
    corpus: spec.corpus,
    tokenizer: spec.tokenizer,
    sequenceLength: spec.sequenceLength,
    ...(spec.shape ? { shape: spec.shape } : {}),
  };
  log.info(
    { runId: spec.runId, attempt: spec.attempt, params: spec.params, tokens: spec.tokens, simulated: Boolean(spec.simulate) },
    'Started run',
  );
  try {
    let result: TrainingResult;
    if (spec.simulate) {
      result = simulateRun(run, spec.simulate);
      await waitOrAbort(spec.simulate.durationMs ?? 0, signal);
    } else {
      // Before anything is opened: a built-in corpus, or a file confined to the data directory.
      const corpus = resolveCorpusForWorker(spec.corpus, config.dataDir);
      const { Trainer } = await loadTrainer();
      const trainer = new Trainer({
        backend: config.backend,
        checkpointDir: checkpointDirFor(config.checkpointDir, `${spec.owner.namespace}/${spec.owner.name}/${spec.runId}`),
        signal,
        onProgress: (event) =>
          reports.progress({
            step: event.step,
            totalSteps: event.totalSteps,
            tokens: event.tokens,
            ...(event.point?.trainLoss !== undefined ? { trainLoss: event.point.trainLoss } : {}),
            ...(event.point?.evalLoss !== undefined ? { evalLoss: event.point.evalLoss } : {}),
          }),
        onLog: (fields, message) => log.info({ runId: spec.runId, ...fields }, message),
      });
      result = await trainer.train({ ...run, corpus });
    }
    // Simulated runs have no corpus, so no repetition factor (0): the contract leaves it out rather than send 0.
    const { runId: _runId, resumedFromStep: _resumed, repetitionFactor, ...reported } = result;
    await reports.result({ ...reported, ...(repetitionFactor > 0 ? { repetitionFactor } : {}) });
    log.info({ runId: spec.runId, status: result.status, finalLoss: result.finalLoss }, 'Finished run');
    return SingleRunExit.Reported;
  } catch (error) {
    if (signal.aborted) {
      log.warn({ runId: spec.runId }, 'Interrupted run');
      return SingleRunExit.Interrupted;
    }
    log.error({ runId: spec.runId, err: (error as Error).message, permanent: isPermanentLanguageModelError(error) }, 'Failed run');
    return SingleRunExit.Failed;
  }
}

function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return signal.aborted ? Promise.reject(new Error('aborted')) : Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(new Error('aborted'))), { once: true });
  });
}
