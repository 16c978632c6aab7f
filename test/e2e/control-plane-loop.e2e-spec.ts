import { QueueName, RunOutcomeStatus, trainRunSchema, type TrainingOutcome } from '@scaleplan/contracts';
import { simulateRun } from '@scaleplan/language-model';
import { Worker } from 'bullmq';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../../apps/control-plane/src/bootstrap.js';
import {
  deletePrefix,
  REDIS_URL,
  simulatedStudy,
  startTestControlPlane,
  TEST_AUTH as auth,
  uniquePrefix,
  waitFor,
} from '../support/e2e-harness.js';

describe('control plane loop (real Redis, simulated runs)', () => {
  let cp: RunningControlPlane | undefined;
  let prefix = '';
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.close();
    await cp?.close();
    await deletePrefix(REDIS_URL, prefix);
    worker = undefined;
    cp = undefined;
  });

  it('runs a study on local worker processes, refits, resolves the budget and trains the final run', async () => {
    prefix = uniquePrefix('loop');
    cp = await startTestControlPlane({ prefix, redisUrl: REDIS_URL });
    const url = cp.url;
    await request(url).post('/api/v1/namespaces/default/scalinglaws').set(auth).send(simulatedStudy('study')).expect(201);
    await request(url)
      .post('/api/v1/namespaces/default/computebudgets')
      .set(auth)
      .send({ kind: 'ComputeBudget', metadata: { name: 'target' }, spec: { flops: 1e20, scalingLaw: 'study', train: true } })
      .expect(201);
    const budget = await waitFor(
      'the final run to finish',
      async () => {
        const body = (await request(url).get('/api/v1/namespaces/default/computebudgets/target').set(auth)).body;
        return body.status?.phase === 'Succeeded' ? body : undefined;
      },
      90_000,
      250,
    );
    const law = (await request(url).get('/api/v1/namespaces/default/scalinglaws/study').set(auth)).body;
    expect(law.status.phase).toBe('Ready');
    expect(law.status.runs).toMatchObject({ succeeded: 15, failed: 0, planned: 0, queued: 0, running: 0 });
    expect(law.status.simulated).toBe(true);
    expect(law.status.fits.map((f: { method: number }) => f.method)).toEqual([2, 3]);
    expect(law.status.primaryFit.runs).toBe(15);
    expect(budget.status.allocation.law).toBe('default/study');
    expect(budget.status.finalRun.simulated).toBe(true);
    expect(budget.status.finalRun.lossDelta).toEqual(expect.any(Number));
    expect(Math.abs(budget.status.finalRun.lossDelta)).toBeLessThan(0.1);
    const runs = (await request(url).get('/api/v1/namespaces/default/scalinglaws/study/runs').set(auth)).body.items;
    expect(runs).toHaveLength(15);
    expect(runs.every((r: { curve: unknown[]; state: string }) => r.state === 'succeeded' && r.curve.length > 1)).toBe(true);
    const metrics = (await request(url).get('/metrics').set(auth)).text;
    expect(metrics).toMatch(/scaleplan_runs_finished_total\{outcome="succeeded"\} 16/);
    expect(metrics).toMatch(/scaleplan_allocation_params\{namespace="default",name="target"\}/);
  });

  it('excludes a diverged run from the fits and shows the reason in the study status', async () => {
    prefix = uniquePrefix('diverged');
    cp = await startTestControlPlane({ prefix, redisUrl: REDIS_URL, tuning: { disableDispatch: true } });
    let divergedRunId: string | undefined;
    // A worker double that reports one divergence, as apps/worker does when the loss becomes non-finite.
    worker = new Worker(
      QueueName.Runs,
      async (job): Promise<TrainingOutcome> => {
        const run = trainRunSchema.parse(job.data);
        const outcome = simulateRun(run, run.simulate!) as TrainingOutcome;
        if (!divergedRunId && run.budgetFlops === 1e18) {
          divergedRunId = run.runId;
          return {
            ...outcome,
            status: RunOutcomeStatus.Diverged,
            finalLoss: undefined,
            divergedAtStep: 12,
            divergenceReason: 'loss became NaN',
          };
        }
        return outcome;
      },
      { connection: { url: REDIS_URL }, prefix, concurrency: 4 },
    );
    await request(cp.url).post('/api/v1/namespaces/default/scalinglaws').set(auth).send(simulatedStudy('study')).expect(201);
    const law = await waitFor(
      'the study to be fitted',
      async () => {
        const body = (await request(cp!.url).get('/api/v1/namespaces/default/scalinglaws/study').set(auth)).body;
        return body.status?.phase === 'Ready' ? body : undefined;
      },
      60_000,
      200,
    );
    expect(law.status.runs).toMatchObject({ succeeded: 14, diverged: 1 });
    expect(law.status.excludedRuns).toEqual([
      { runId: divergedRunId, reason: expect.stringMatching(/diverged.*step 12.*loss became NaN.*excluded from the fits/) },
    ]);
    expect(law.status.primaryFit.runs).toBe(14);
  });
});
