import type { Command } from 'commander';
import type { ComputeBudget, ScalingLaw } from '@scaleplan/contracts';
import { CliUsageError } from '../cli-errors.js';
import { bearerToken, callApi, listAll, serverUrl } from './control-plane-client.js';

/** `█████░░░░░` for a fraction 0–1. */
export function progressBar(fraction: number, width = 20): string {
  const clamped = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(clamped * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

const pad = (rows: string[][]): string => {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => [...(row[col] ?? '')].length)));
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell + ' '.repeat(widths[col]! - [...cell].length))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

const sig = (value: number | undefined, digits = 3): string =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toPrecision(digits);
const range = (interval: [number, number] | undefined): string => (interval ? ` [${sig(interval[0])}, ${sig(interval[1])}]` : '');

/** The table of studies and budgets, with a progress bar per study. */
export function renderStatusTable(laws: readonly ScalingLaw[], budgets: readonly ComputeBudget[]): string {
  const lines: string[] = [];
  if (laws.length > 0) {
    const rows = [['SCALINGLAW', 'PHASE', 'RUNS', 'PROGRESS', 'A (N∝C^a)', 'B (D∝C^b)', 'SIM']];
    for (const law of laws) {
      const runs = law.status?.runs;
      const total = runs ? runs.planned + runs.queued + runs.running + runs.succeeded + runs.failed + runs.diverged : 0;
      const done = runs ? runs.succeeded + runs.failed + runs.diverged : 0;
      const fit = law.status?.primaryFit;
      rows.push([
        `${law.metadata.namespace}/${law.metadata.name}`,
        law.status?.phase ?? 'Pending',
        law.spec.preset ? 'preset' : `${done}/${total}${runs?.running ? ` (${runs.running} running)` : ''}`,
        law.spec.preset ? '' : progressBar(total > 0 ? done / total : 0),
        fit ? `${fit.a.toFixed(3)}${fit.aInterval ? ` [${fit.aInterval[0].toFixed(3)}, ${fit.aInterval[1].toFixed(3)}]` : ''}` : '-',
        fit ? `${fit.b.toFixed(3)}${fit.bInterval ? ` [${fit.bInterval[0].toFixed(3)}, ${fit.bInterval[1].toFixed(3)}]` : ''}` : '-',
        law.status?.simulated ? 'yes' : '',
      ]);
    }
    lines.push(pad(rows));
  }
  if (budgets.length > 0) {
    const rows = [['COMPUTEBUDGET', 'PHASE', 'FLOPS', 'N_OPT', 'D_OPT', 'LOSS', 'LAW', 'FINAL RUN']];
    for (const budget of budgets) {
      const allocation = budget.status?.allocation;
      const final = budget.status?.finalRun;
      rows.push([
        `${budget.metadata.namespace}/${budget.metadata.name}`,
        budget.status?.phase ?? 'Pending',
        sig(budget.status?.flops),
        allocation ? `${allocation.paramsDisplay}${range(allocation.paramsInterval)}` : '-',
        allocation ? `${allocation.tokensDisplay}${range(allocation.tokensInterval)}` : '-',
        allocation?.predictedLoss !== undefined ? `${allocation.predictedLoss.toFixed(3)}${range(allocation.predictedLossInterval)}` : '-',
        budget.status?.lawName ?? '-',
        final
          ? `${progressBar(final.progress, 10)} ${final.state}${final.finalLoss !== undefined ? ` loss ${final.finalLoss.toFixed(3)}` : ''}`
          : '',
      ]);
    }
    lines.push(pad(rows));
  }
  return lines.length > 0 ? lines.join('\n\n') : 'No ScalingLaws or ComputeBudgets.';
}

/** Details of one object: conditions, fits with intervals, exclusions. */
export function renderDetails(resource: ScalingLaw | ComputeBudget): string {
  const lines = [
    `${resource.kind} ${resource.metadata.namespace}/${resource.metadata.name} — phase ${resource.status?.phase ?? 'Pending'}`,
  ];
  for (const c of resource.status?.conditions ?? []) lines.push(`  ${c.type}=${c.status} ${c.reason}: ${c.message}`);
  if (resource.kind === 'ScalingLaw') {
    for (const fit of resource.status?.fits ?? []) {
      lines.push(
        `  approach ${fit.method}: a=${fit.a.toFixed(3)}${fit.aInterval ? ` [${fit.aInterval.map((v) => v.toFixed(3)).join(', ')}]` : ''} b=${fit.b.toFixed(3)}${fit.bInterval ? ` [${fit.bInterval.map((v) => v.toFixed(3)).join(', ')}]` : ''} on ${fit.runs} runs${fit.converged ? '' : ' (did not converge)'}`,
      );
      if (fit.law)
        lines.push(
          `    L(N,D) = ${fit.law.irreducibleLoss.toFixed(3)} + ${fit.law.paramCoeff.toPrecision(4)}/N^${fit.law.paramExponent.toFixed(3)} + ${fit.law.dataCoeff.toPrecision(4)}/D^${fit.law.dataExponent.toFixed(3)}`,
        );
    }
    for (const excluded of resource.status?.excludedRuns ?? []) lines.push(`  excluded ${excluded.runId}: ${excluded.reason}`);
    const sweep = resource.status?.sweep;
    if (sweep) {
      lines.push(
        `  sweep: ${sweep.flopsSpent.toExponential(2)} FLOPs spent, ${sweep.flopsPlanned.toExponential(2)} planned${sweep.maxFlops ? ` (maxFlops ${sweep.maxFlops.toExponential(2)})` : ''}`,
      );
      if (sweep.decision) lines.push(`    planner: ${sweep.decision}`);
    }
    const spread = resource.status?.seedSpread;
    if (spread)
      lines.push(
        `  seed spread: median ${(100 * spread.medianRelativeStd).toFixed(2)}%, worst ${(100 * spread.maxRelativeStd).toFixed(2)}% (N=${spread.worst.params.toPrecision(3)} at C=${spread.worst.budgetFlops.toExponential(2)}) over ${spread.replicatedSizes} of ${spread.sizes} sizes with two or more seeds; target < ${(100 * spread.target).toFixed(1)}%${spread.met ? '' : ' NOT met'}`,
      );
  }
  return lines.join('\n');
}

/** `scaleplan status [NAME]`: studies and budgets of a running control plane. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show ScalingLaws and ComputeBudgets (progress bars, fits, allocations) of a running control plane')
    .argument('[name]', 'one ScalingLaw or ComputeBudget (namespace/name or name in --namespace)')
    .option('--server <url>', 'control plane URL (default: $SCALEPLAN_SERVER or http://127.0.0.1:8080)')
    .option('-n, --namespace <namespace>', 'namespace', 'default')
    .option('--token <token>', 'bearer token (default: $SCALEPLAN_DASHBOARD_TOKEN)')
    .action(async (name: string | undefined, options: { server?: string; namespace: string; token?: string }) => {
      const server = serverUrl(options.server);
      const token = bearerToken(options.token);
      if (!name) {
        const laws = await listAll<ScalingLaw>(server, '/api/v1/scalinglaws', token);
        const budgets = await listAll<ComputeBudget>(server, '/api/v1/computebudgets', token);
        process.stdout.write(`${renderStatusTable(laws, budgets)}\n`);
        return;
      }
      const [namespace, objectName] = name.includes('/') ? (name.split('/', 2) as [string, string]) : [options.namespace, name];
      for (const plural of ['scalinglaws', 'computebudgets']) {
        try {
          const resource = await callApi<ScalingLaw | ComputeBudget>(server, `/api/v1/namespaces/${namespace}/${plural}/${objectName}`, {
            token,
          });
          process.stdout.write(
            `${renderStatusTable(resource.kind === 'ScalingLaw' ? [resource] : [], resource.kind === 'ComputeBudget' ? [resource] : [])}\n\n${renderDetails(resource)}\n`,
          );
          return;
        } catch (error) {
          if (!(error instanceof Error) || !error.message.startsWith('404')) throw error;
        }
      }
      throw new CliUsageError(`no ScalingLaw or ComputeBudget named ${namespace}/${objectName}`);
    });
}
