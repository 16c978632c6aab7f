import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ComputeBudget } from '@scaleplan/contracts';
import type { ControlPlaneEvents } from '../events/control-plane-events.js';
import type { ResourceStore } from '../resources/resource-store.js';
import type { QueueDepth } from '../scheduling/run-queue.js';

type Outcome = 'succeeded' | 'failed' | 'diverged';

/** Prometheus metrics of the control plane (`/metrics`), each on its own registry; results and refits are counted from `events`. */
export class ControlPlaneMetrics {
  readonly registry = new Registry();
  private readonly runsFinished: Counter<'outcome'>;
  private readonly refitDuration: Histogram;

  constructor(depth: () => Promise<QueueDepth>, budgets: () => ResourceStore<ComputeBudget>, events: ControlPlaneEvents) {
    collectDefaultMetrics({ register: this.registry, prefix: 'scaleplan_control_plane_' });
    this.runsFinished = new Counter({
      name: 'scaleplan_runs_finished_total',
      help: 'Runs stored by outcome',
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.refitDuration = new Histogram({
      name: 'scaleplan_refit_duration_seconds',
      help: 'Wall time of one study refit (every method, bootstrap included)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    new Gauge({
      name: 'scaleplan_queue_jobs',
      help: 'Jobs of the runs queue by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        try {
          for (const [state, count] of Object.entries(await depth())) this.set({ state }, count);
        } catch {
          // Redis down: /readyz says so; keep the last values.
        }
      },
    });
    const allocationGauge = (name: string, help: string, pick: (b: ComputeBudget) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['namespace', 'name'],
        registers: [this.registry],
        async collect() {
          this.reset();
          try {
            for (const budget of await budgets().list()) {
              const value = pick(budget);
              if (value !== undefined) this.set({ namespace: budget.metadata.namespace, name: budget.metadata.name }, value);
            }
          } catch {
            // as above
          }
        },
      });
    allocationGauge('scaleplan_allocation_params', 'N_opt of each ComputeBudget', (b) => b.status?.allocation?.params);
    allocationGauge('scaleplan_allocation_tokens', 'D_opt of each ComputeBudget', (b) => b.status?.allocation?.tokens);
    allocationGauge('scaleplan_allocation_flops', 'Resolved FLOPs of each ComputeBudget', (b) => b.status?.flops);
    events.on('RunsFinished', ({ runs }) => {
      const tally: Record<Outcome, number> = { succeeded: 0, failed: 0, diverged: 0 };
      for (const run of runs) if (run.state === 'succeeded' || run.state === 'failed' || run.state === 'diverged') tally[run.state] += 1;
      for (const [outcome, count] of Object.entries(tally)) if (count > 0) this.runsFinished.inc({ outcome }, count);
    });
    events.on('LawRefitted', ({ seconds }) => this.refitDuration.observe(seconds));
  }
}
