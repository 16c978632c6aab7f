// One run set, three ways in: the ScalingLaw status served by the REST API, and `scaleplan fit --json` on
// the runs.csv the dashboard exports for the same study. Same runs, seed and bootstrap → the same a, b,
// intervals and N_opt (one fitting core: fitScalingLaw). Real Redis, local worker processes, simulated runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocate } from '@scaleplan/scaling-laws';
import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
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
import { scaleplanFitJson as cliFit } from '../../apps/cli/src/__tests__/run-in-process.js';

describe('same numbers everywhere (REST status and scaleplan fit on the exported runs)', () => {
  let cp: RunningControlPlane | undefined;
  const prefix = uniquePrefix('numbers');
  const dir = mkdtempSync(join(tmpdir(), 'scaleplan-numbers-'));
  afterAll(async () => {
    await cp?.close();
    await deletePrefix(REDIS_URL, prefix);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('gives the same a, b, intervals and N_opt', async () => {
    cp = await startTestControlPlane({ prefix, redisUrl: REDIS_URL });
    const study = simulatedStudy('numbers', { seed: 5 }, { fit: { methods: [2, 3], primaryMethod: 3, bootstrap: 25, confidence: 0.8 } });
    await request(cp.url).post('/api/v1/namespaces/default/scalinglaws').set(auth).send(study).expect(201);
    const law = await waitFor(
      'the study to finish fitting',
      async () => {
        const body = (await request(cp!.url).get('/api/v1/namespaces/default/scalinglaws/numbers').set(auth)).body;
        return body.status?.phase === 'Ready' || body.status?.phase === 'Degraded' ? body : undefined;
      },
      120_000,
      250,
    );
    const csv = await request(cp.url).get('/dashboard/api/studies/default/numbers/runs.csv').set(auth).expect(200);
    const file = join(dir, 'runs.csv');
    writeFileSync(file, csv.text);
    const document = await cliFit(file, '--method', '2,3', '--bootstrap', '25', '--seed', '5', '--budgets', '1e21');
    expect(document.source.runs).toBe(15);

    for (const method of [2, 3] as const) {
      const status = law.status.fits.find((f: { method: number }) => f.method === method);
      const cli = document.fits.find((f) => f.method === method)!;
      expect(status.runs).toBe(cli.runs);
      expect(status.a).toBe(cli.a);
      expect(status.b).toBe(cli.b);
      expect(status.aInterval).toEqual([cli.intervals!.a!.lower, cli.intervals!.a!.upper]);
      expect(status.bInterval).toEqual([cli.intervals!.b!.lower, cli.intervals!.b!.upper]);
      const mapping =
        method === 3
          ? ({ kind: 'loss-law', law: status.law } as const)
          : ({
              kind: 'power-law',
              powerLaw: { paramCoeff: status.paramCoeff, paramExponent: status.a, tokenCoeff: status.tokenCoeff, tokenExponent: status.b },
            } as const);
      expect(allocate(mapping, 1e21).params).toBe(cli.allocations[0]!.params);
    }
  }, 180_000);
});
