import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { trainerReportSchema, type TrainerRunSpec } from '@scaleplan/contracts';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../config/worker.config.js';
import { ReportSink } from './report-sink.js';
import { runSingle, SingleRunExit } from './single-run.js';

const log = pino({ level: 'silent' });
let dir: string;

const spec: TrainerRunSpec = {
  apiVersion: 'scaleplan.dev/v1alpha1',
  kind: 'TrainerRun',
  runId: 'c1.00e15-n5000',
  runKind: 'sweep',
  attempt: 1,
  owner: { kind: 'ScalingLaw', namespace: 'default', name: 'law' },
  params: 5000,
  tokens: 100_000,
  seed: 0,
  sequenceLength: 64,
  corpus: 'moby-dick',
  tokenizer: 'byte',
  simulate: {
    law: { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 },
    noise: 0,
    durationMs: 0,
  },
  deadline: '2030-01-01T00:00:00Z',
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'single-run-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { out: PassThrough; lines: () => unknown[] } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return {
    out,
    lines: () =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as unknown),
  };
}

describe('the built-in worker as a trainer (SCALEPLAN_RUN_FILE)', () => {
  it('reads the trainer settings from the contract variables, and only when a run file is given', () => {
    expect(loadWorkerConfig({}).runFile).toBeUndefined();
    expect(
      loadWorkerConfig({
        SCALEPLAN_RUN_FILE: '/var/run/scaleplan/run.json',
        SCALEPLAN_REPORT_URL: 'http://cp/api/v1/runs/report',
        SCALEPLAN_RUN_TOKEN: 't',
      }),
    ).toMatchObject({ runFile: '/var/run/scaleplan/run.json', reportUrl: 'http://cp/api/v1/runs/report', runToken: 't' });
  });

  it('runs the one run of its run file, prints a valid result line and POSTs it with the run token', async () => {
    const file = join(dir, 'run.json');
    writeFileSync(file, JSON.stringify(spec));
    const { out, lines } = capture();
    const posts: { url: string; auth: string; body: unknown }[] = [];
    const sink = new ReportSink({ url: 'http://cp/api/v1/runs/report', token: 'tok' }, log, out, async (url, init) => {
      posts.push({ url, auth: init.headers.authorization!, body: JSON.parse(init.body) });
      return { ok: true, status: 202, text: async () => '' };
    });
    const code = await runSingle({ ...loadWorkerConfig({}), runFile: file }, log, new AbortController().signal, sink);
    expect(code).toBe(SingleRunExit.Reported);
    const [result] = lines();
    const parsed = trainerReportSchema.parse(result);
    expect(parsed).toMatchObject({ scaleplan: 'result', status: 'completed', simulated: true, tokens: 100_000 });
    expect(parsed.scaleplan === 'result' && parsed.finalLoss).toBeGreaterThan(1.69);
    expect(result).not.toHaveProperty('repetitionFactor'); // simulated: no corpus, so none (the contract wants > 0)
    expect(posts).toEqual([{ url: 'http://cp/api/v1/runs/report', auth: 'Bearer tok', body: result }]);
  });

  it('keeps the printed line when the POST fails, and exits 2 on an unusable run file', async () => {
    const file = join(dir, 'run.json');
    writeFileSync(file, JSON.stringify(spec));
    const { out, lines } = capture();
    const sink = new ReportSink({ url: 'http://cp/api/v1/runs/report', token: 'tok' }, log, out, async () => {
      throw new Error('connect ECONNREFUSED');
    });
    expect(await runSingle({ ...loadWorkerConfig({}), runFile: file }, log, new AbortController().signal, sink)).toBe(
      SingleRunExit.Reported,
    );
    expect(lines()).toHaveLength(1);

    writeFileSync(file, JSON.stringify({ ...spec, tokens: -1 }));
    expect(await runSingle({ ...loadWorkerConfig({}), runFile: file }, log, new AbortController().signal, sink)).toBe(
      SingleRunExit.BadRunFile,
    );
  });
});
