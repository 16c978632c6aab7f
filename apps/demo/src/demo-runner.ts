import { createWriteStream } from 'node:fs';
import { availableParallelism } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConditionReason, ConditionType, ScalingLawPhase, type ComputeBudget, type ScalingLaw } from '@scaleplan/contracts';
import {
  startControlPlane,
  summariseProfiles,
  writeStudyReport,
  type ProfileSummary,
  type RunningControlPlane,
} from '../../control-plane/src/index.js';
import { formatDuration, formatPrecision, sweepEta } from './demo-progress.js';
import { demoChecks, type DemoCheck } from './demo-verdict.js';
import { acquireDemoRedis } from './private-redis.js';

/** Options of `scaleplan demo`. */
export interface DemoOptions {
  /** Simulated runs (seconds) instead of real training (minutes). */
  readonly simulate: boolean;
  /** Report folder. @default ./scaleplan-demo-report */
  readonly reportDir?: string;
  /** HTTP port of the demo's control plane. @default 0 (a free port) */
  readonly port?: number;
  /** Redis URL to try first. @default $REDIS_URL */
  readonly redisUrl?: string;
  /** At this point the demo writes a partial report and stops (DemoIncompleteError). @default 10 min real, 2 min simulated */
  readonly deadlineMs?: number;
  /** Local worker processes. @default one per core (os.availableParallelism()) */
  readonly workers?: number;
  /** Where progress lines go. @default process.stdout */
  readonly out?: NodeJS.WritableStream;
}

/** The demo stopped before its study finished (deadline, or the study cannot go on); a partial report was written. */
export class DemoIncompleteError extends Error {
  override readonly name = 'DemoIncompleteError';
  readonly code = 'DemoIncomplete';
}

/** Default deadlines: real training must fit 10 minutes on 2 quiet cores. */
export const DEMO_DEADLINE_MS = { real: 10 * 60_000, simulated: 2 * 60_000 } as const;

/**
 * The real study: 3 IsoFLOP budgets × 5 sizes of real transformers (N ≈ 5e3–6e4 total parameters, one or two
 * layers) on sotu (10.8 MB: no run sees a byte twice), then the adaptive planner adds runs until N_opt at the
 * allocation budget is within ±50% (an interval no wider than ×3) or maxFlops is spent. Sized for the 10-minute
 * deadline on 2 cores with room to spare: measured 2026-12-03 on 2 quiet cores (recipe 3), the whole demo
 * (17 runs, 1.85e12 FLOPs of 6·N_total·D) took 6 min 13 s.
 */
export const REAL_DEMO_STUDY = {
  // The budgets bench:science measures (2026-12-03): their seed noise is known (sd 0.2–4% of the loss at 5e10
  // and 1e11, worst near the optimum), and their minima lie inside ±0.5 decade of the prior.
  budgets: [5e10, 1e11, 2e11],
  sizesPerBudget: 5,
  spanDecades: 1,
  // A prior only (the planner extends unbracketed profiles), from bench:science's measured sweep (N total,
  // sotu bytes): the IsoFLOP minima at 5e10–4e11 FLOPs lie at D/N ≈ 100–170, far above Chinchilla's 20.
  priorTokensPerParam: 100,
  corpus: 'sotu',
  bootstrap: 100,
  /** The 1.75e12-FLOP sweep takes about 6 minutes on 2 quiet cores; the cap leaves a minute of adaptive runs. */
  maxFlops: 2e12,
  relativeHalfWidth: 0.5,
  /** Allocation at 4× the largest sweep budget: bench:science's held-out distance, which a 4× span supports. */
  allocationFactor: 4,
};

/** The simulated study: 4 budgets × 7 sizes from a known law (Chinchilla's published fit) plus noise, with a ±25% target. */
export const SIMULATED_DEMO_STUDY = {
  budgets: [1e17, 1e18, 1e19, 1e20],
  sizesPerBudget: 7,
  spanDecades: 1.5,
  bootstrap: 100,
  law: { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 },
  allocationFactor: 10,
  maxFlops: 1e22,
  relativeHalfWidth: 0.25,
};

/** The allocation budget: 4× the largest sweep budget (real), 10× (simulated, a known law). */
export const demoAllocationFlops = (simulate: boolean): number => {
  const study = simulate ? SIMULATED_DEMO_STUDY : REAL_DEMO_STUDY;
  return Math.max(...study.budgets) * study.allocationFactor;
};

/** The ScalingLaw the demo submits. */
export function demoScalingLaw(simulate: boolean, workers = availableParallelism()): ScalingLaw {
  const study = simulate ? SIMULATED_DEMO_STUDY : REAL_DEMO_STUDY;
  return {
    apiVersion: 'scaleplan.dev/v1alpha1',
    kind: 'ScalingLaw',
    metadata: { name: simulate ? 'demo-simulated' : 'demo', namespace: 'default' },
    spec: {
      model: {
        family: 'decoder-transformer',
        tokenizer: 'byte',
        corpus: simulate ? 'moby-dick' : REAL_DEMO_STUDY.corpus,
        sequenceLength: 64,
      },
      sweep: {
        budgets: study.budgets,
        sizesPerBudget: study.sizesPerBudget,
        spanDecades: study.spanDecades,
        ...('priorTokensPerParam' in study ? { priorTokensPerParam: study.priorTokensPerParam } : {}),
        target: { quantity: 'nOpt', atFlops: demoAllocationFlops(simulate), relativeHalfWidth: study.relativeHalfWidth, level: 0.8 },
        maxFlops: study.maxFlops,
        seed: 0,
        ...(simulate ? { simulate: { law: SIMULATED_DEMO_STUDY.law, noise: 0.005, durationMs: 40 } } : {}),
      },
      // Approach 2 (its own design: IsoFLOP minima) is the robust primary of a short real sweep; the
      // five-parameter Approach 3 is reported and checked against it.
      fit: { methods: [1, 2, 3], primaryMethod: simulate ? 3 : 2, bootstrap: study.bootstrap, confidence: 0.8 },
      maxConcurrentRuns: simulate ? 8 : workers,
      maxFailedRuns: 3,
      priority: 10,
    },
  };
}

/** The ComputeBudget the demo resolves (demoAllocationFlops). */
export function demoComputeBudget(simulate: boolean): ComputeBudget {
  return {
    apiVersion: 'scaleplan.dev/v1alpha1',
    kind: 'ComputeBudget',
    metadata: { name: simulate ? 'demo-simulated-target' : 'demo-target', namespace: 'default' },
    spec: { flops: demoAllocationFlops(simulate), scalingLaw: simulate ? 'demo-simulated' : 'demo', train: false, seed: 0 },
  };
}

const bar = (fraction: number, width = 24): string => {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
};
const iv = (interval: [number, number] | undefined, digits = 3): string =>
  interval ? ` [${interval[0].toPrecision(digits)}, ${interval[1].toPrecision(digits)}]` : '';

async function post(url: string, token: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path} failed: ${response.status} ${await response.text()}`);
}

/** Result of a demo run. */
export interface DemoResult {
  readonly law: ScalingLaw;
  readonly budget: ComputeBudget;
  readonly profiles: readonly ProfileSummary[];
  readonly checks: readonly DemoCheck[];
  readonly reportFiles: readonly string[];
  readonly seconds: number;
}

/** Degraded reasons after which the study gets no further without the user (no answer will come). */
const STUCK_REASONS: ReadonlySet<string> = new Set([
  ConditionReason.FailureBudgetExceeded,
  ConditionReason.BudgetTooSmall,
  ConditionReason.InvalidSweep,
]);

/** Why the study cannot go on, when it cannot: the demo stops there with a partial report. */
const stuckReason = (law: ScalingLaw | undefined): string | undefined => {
  const degraded = law?.status?.conditions?.find((c) => c.type === ConditionType.Degraded && c.status === 'True');
  return degraded && STUCK_REASONS.has(degraded.reason) ? `${degraded.reason}: ${degraded.message}` : undefined;
};

/**
 * `scaleplan demo`: a whole study end to end on this machine — Redis (REDIS_URL, else a private
 * redis-server), a control plane with one local worker per core, a ScalingLaw sweep with a precision
 * target and a ComputeBudget through the REST API, live progress with an ETA, fits with every method,
 * the allocation, the demo's checks of its answer, and a report folder. At the deadline (or when the
 * study cannot go on) it writes a partial report marked incomplete and throws DemoIncompleteError.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = options.out ?? process.stdout;
  const say = (line: string): void => void out.write(`${line}\n`);
  const started = Date.now();
  const deadlineMs = options.deadlineMs ?? (options.simulate ? DEMO_DEADLINE_MS.simulated : DEMO_DEADLINE_MS.real);
  const workers = options.workers ?? availableParallelism();
  const reportDir = resolve(options.reportDir ?? 'scaleplan-demo-report');
  await mkdir(reportDir, { recursive: true });
  const label = options.simulate ? ' [SIMULATED runs: losses from a known law plus noise]' : '';
  say(`ScalePlan demo${label} (${workers} local worker${workers === 1 ? '' : 's'}, deadline ${formatDuration(deadlineMs / 1000)})`);
  const redis = await acquireDemoRedis(options.redisUrl ?? process.env.REDIS_URL, say);
  let running: RunningControlPlane | undefined;
  const prefix = `scaleplan-demo-${Date.now().toString(36)}`;
  const logFile = join(reportDir, 'control-plane.log');
  await writeFile(join(reportDir, 'workers.log'), '');
  const logStream = createWriteStream(logFile);
  try {
    running = await startControlPlane({
      port: options.port ?? 0,
      host: '127.0.0.1',
      redisUrl: redis.url,
      queuePrefix: prefix,
      localWorkersMax: workers,
      dispatch: 'local',
      logDestination: logStream,
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
      tuning: {
        resyncSeconds: 2,
        refitDebounceMs: 300,
        localWorkerIdleExitSeconds: 120,
        localWorkerLockMs: 15_000,
        workerLogFile: join(reportDir, 'workers.log'),
      },
    });
    const { url, config } = running;
    say(`Control plane: ${url} (API ${url}/api/v1, OpenAPI ${url}/docs, logs ${logFile})`);
    say(`Dashboard:     ${url}/  (token: ${config.dashboardToken})`);
    say(`Queues:        ${url}/queues`);
    const law = demoScalingLaw(options.simulate, workers);
    const budget = demoComputeBudget(options.simulate);
    await post(url, config.dashboardToken, `/api/v1/namespaces/default/scalinglaws`, law);
    await post(url, config.dashboardToken, `/api/v1/namespaces/default/computebudgets`, budget);
    const target = law.spec.sweep?.target;
    say(
      `Submitted ScalingLaw default/${law.metadata.name} (${law.spec.sweep?.budgets?.length} IsoFLOP budgets × ${law.spec.sweep?.sizesPerBudget} sizes; ` +
        `then runs until N_opt at ${target?.atFlops.toExponential(1)} FLOPs is within ±${Math.round(100 * (target?.relativeHalfWidth ?? 0))}%, at most ${law.spec.sweep?.maxFlops?.toExponential(1)} FLOPs) ` +
        `and ComputeBudget default/${budget.metadata.name} (C = ${budget.spec.flops?.toExponential(2)} FLOPs)`,
    );

    const { laws, budgets, runs: runStore, fits: fitStore } = running;
    const ref = { namespace: 'default', name: law.metadata.name };
    const budgetRef = { namespace: 'default', name: budget.metadata.name };
    const tty = (out as NodeJS.WriteStream).isTTY === true;
    let lastLine = '';
    let finalLaw: ScalingLaw | undefined;
    let finalBudget: ComputeBudget | undefined;

    /** Writes what there is as a report marked incomplete, then stops the demo with one line. */
    const stopIncomplete = async (why: string): Promise<never> => {
      if (tty) out.write('\n');
      const runs = await runStore.listWithCurves('ScalingLaw', ref);
      const current = await laws.get(ref);
      const currentBudget = await budgets.get(budgetRef);
      const fitState = await fitStore.get(ref);
      const done = runs.filter((r) => r.state === 'succeeded' || r.state === 'failed' || r.state === 'diverged').length;
      const reason = `${why} after ${done}/${runs.length} runs`;
      await writeStudyReport(reportDir, {
        law: current ?? law,
        ...(currentBudget ? { budget: currentBudget } : {}),
        runs,
        fit: fitState,
        simulated: options.simulate,
        incomplete: reason,
      });
      throw new DemoIncompleteError(`demo incomplete: ${reason}; partial report in ${reportDir}`);
    };

    for (;;) {
      if (Date.now() - started > deadlineMs) await stopIncomplete(`the deadline of ${formatDuration(deadlineMs / 1000)} was reached`);
      await new Promise((r) => setTimeout(r, options.simulate ? 250 : 1000));
      const current = await laws.get(ref);
      const currentBudget = await budgets.get(budgetRef);
      const records = await runStore.list('ScalingLaw', ref);
      const counts = current?.status?.runs;
      const total = records.length;
      const done = records.filter((r) => r.state === 'succeeded' || r.state === 'failed' || r.state === 'diverged').length;
      const active = records.filter((r) => r.state === 'running');
      const activeText = active.length
        ? ` | training ${active.map((r) => `N=${r.paramsTotal ?? r.params}${r.progress ? ` ${Math.round((100 * r.progress.step) / Math.max(1, r.progress.totalSteps))}%` : ''}`).join(', ')}`
        : '';
      const elapsed = (Date.now() - started) / 1000;
      const eta = sweepEta(records, elapsed);
      const etaText = eta.etaSeconds !== undefined && eta.remainingFlops > 0 ? ` | ETA ${formatDuration(eta.etaSeconds)}` : '';
      const fit = current?.status?.primaryFit;
      const precision = current?.status?.sweep?.target?.achievedHalfWidth;
      const line =
        `${bar(total ? done / total : 0)} ${done}/${total} runs${counts?.failed ? `, ${counts.failed} failed` : ''}${counts?.diverged ? `, ${counts.diverged} diverged` : ''} | ${current?.status?.phase ?? ScalingLawPhase.Pending}` +
        `${fit ? ` | a=${fit.a.toFixed(3)}` : ''}${precision !== undefined ? ` | ${formatPrecision(precision, current?.spec.sweep?.target?.relativeHalfWidth)}` : ''}${activeText} | ${formatDuration(elapsed)}${etaText}`;
      if (line !== lastLine) {
        if (tty) out.write(`\r\x1b[2K${line}`);
        else say(line);
        lastLine = line;
      }
      const stuck = stuckReason(current);
      if (stuck) await stopIncomplete(`the study cannot go on (${stuck})`);
      const phase = current?.status?.phase;
      const primaryFit = current?.status?.primaryFit;
      // Ready (the target holds) or Degraded at the FLOP cap: either way the study has its answer.
      if (
        (phase === ScalingLawPhase.Ready || phase === ScalingLawPhase.Degraded) &&
        primaryFit &&
        currentBudget?.status?.allocation?.fittedAt === primaryFit.fittedAt
      ) {
        finalLaw = current;
        finalBudget = currentBudget;
        break;
      }
    }
    if (tty) out.write('\n');

    const runs = await runStore.listWithCurves('ScalingLaw', ref);
    const fitState = await fitStore.get(ref);
    const allocation = finalBudget!.status!.allocation!;
    const fits = finalLaw!.status?.fits ?? [];
    const preliminary = summariseProfiles(runs);
    const checks = demoChecks(preliminary, fits, allocation);
    const { files, profiles } = await writeStudyReport(reportDir, {
      law: finalLaw!,
      budget: finalBudget!,
      runs,
      fit: fitState,
      simulated: options.simulate,
      checks,
    });

    say('');
    say(`IsoFLOP profiles${label}:`);
    for (const p of profiles) {
      say(
        `  C=${p.budgetFlops.toExponential(2)}: ${p.runs} runs, minimum ${p.bracketed ? 'bracketed' : 'NOT bracketed'}${p.nOpt ? ` at N≈${p.nOpt.toPrecision(3)} [${p.nOptLow?.toPrecision(3)}, ${p.nOptHigh?.toPrecision(3)}], loss ${p.minLoss?.toFixed(3)}` : ''}`,
      );
    }
    say(
      `Fitted law (${Math.round(finalLaw!.spec.fit.confidence * 100)}% bootstrap intervals, ${finalLaw!.spec.fit.bootstrap} resamples)${label}:`,
    );
    for (const fit of fits) {
      say(
        `  Approach ${fit.method}${fit.converged ? '' : ' (did not converge)'}: N_opt ∝ C^${fit.a.toFixed(3)}${iv(fit.aInterval)}, D_opt ∝ C^${fit.b.toFixed(3)}${iv(fit.bInterval)} on ${fit.runs} runs`,
      );
      if (fit.law) {
        const li = fit.lawIntervals ?? {};
        say(
          `    L(N, D) = ${fit.law.irreducibleLoss.toFixed(3)}${iv(li.irreducibleLoss)} + ${fit.law.paramCoeff.toPrecision(4)}${iv(li.paramCoeff)} / N^${fit.law.paramExponent.toFixed(3)}${iv(li.paramExponent)} + ${fit.law.dataCoeff.toPrecision(4)}${iv(li.dataCoeff)} / D^${fit.law.dataExponent.toFixed(3)}${iv(li.dataExponent)}`,
        );
      }
      for (const warning of fit.warnings) say(`    note: ${warning}`);
    }
    for (const skipped of fitState?.skipped ?? []) say(`  Approach ${skipped.method}: not fitted (${skipped.reason})`);
    for (const excluded of finalLaw!.status?.excludedRuns ?? []) say(`  excluded ${excluded.runId}: ${excluded.reason}`);
    const sweep = finalLaw!.status?.sweep;
    if (sweep)
      say(
        `Sweep: ${sweep.flopsSpent.toExponential(2)} FLOPs spent${sweep.maxFlops ? ` of maxFlops ${sweep.maxFlops.toExponential(2)}` : ''}; ${sweep.decision ?? ''}`,
      );
    say(`Allocation for C = ${allocation.flops.toExponential(2)} FLOPs (approach ${allocation.method}, ${allocation.law})${label}:`);
    say(
      `  N_opt = ${allocation.paramsDisplay}${allocation.paramsInterval ? ` [${allocation.paramsInterval.map((v) => v.toPrecision(3)).join(', ')}]` : ''} parameters`,
    );
    say(
      `  D_opt = ${allocation.tokensDisplay}${allocation.tokensInterval ? ` [${allocation.tokensInterval.map((v) => v.toPrecision(3)).join(', ')}]` : ''} tokens (${allocation.tokensPerParam.toFixed(1)} tokens/parameter)`,
    );
    if (allocation.predictedLoss !== undefined)
      say(`  predicted loss ${allocation.predictedLoss.toFixed(3)}${iv(allocation.predictedLossInterval)} nats/token`);
    if (allocation.shape)
      say(
        `  shape: ${allocation.shape.layers} layers, d_model ${allocation.shape.modelDim}, ${allocation.shape.heads} heads, d_ff ${allocation.shape.ffDim}`,
      );
    // The checks below are the demo's; the control plane's own verdict decides Ready, and is said as plainly.
    const ready = finalLaw!.status?.conditions?.find((c) => c.type === ConditionType.Ready);
    say(
      ready?.status === 'True'
        ? `  the ScalingLaw is Ready: the allocation is final`
        : `  the ScalingLaw is not Ready (${ready?.reason ?? 'no verdict'}): the allocation is provisional — ${allocation.provisionalReason ?? ready?.message ?? 'the law is still measuring'}`,
    );
    say(`Is the answer worth something?`);
    for (const check of checks) say(`  ${check.passed ? 'PASS' : 'FAIL'} ${check.name}: ${check.detail}`);
    say(`Report: ${files.join(', ')}`);
    const seconds = (Date.now() - started) / 1000;
    say(`Done in ${formatDuration(seconds)}.`);
    return { law: finalLaw!, budget: finalBudget!, profiles, checks, reportFiles: files, seconds };
  } finally {
    // The report holds the results; a shared Redis gets its keys back (a private one just stops).
    await running?.close({ deleteData: !redis.private }).catch(() => undefined);
    logStream.end();
    await redis.stop();
  }
}
