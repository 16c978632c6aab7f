import { trainRunSchema } from '@scaleplan/contracts';
import { countParameters } from '@scaleplan/language-model/shapes';
import { describe, expect, it } from 'vitest';
import { outcomeFromReports, parseReportLines } from './trainer-outcome.js';

const shape = { layers: 2, modelDim: 64, heads: 4, headDim: 16, ffDim: 256, vocabSize: 256, sequenceLength: 64 };
const run = trainRunSchema.parse({
  owner: { namespace: 'ns', name: 'law' },
  runId: 'r1',
  kind: 'sweep',
  params: 1000,
  tokens: 5000,
  shape,
});
/** Budgets count total parameters (C = 6·N_total·D); what a trainer leaves out comes from the planned shape. */
const paramsTotal = countParameters(shape).total;
const facts = { image: 'acme/trainer:1', startedAt: new Date('2030-01-01T00:00:00Z'), finishedAt: new Date('2030-01-01T00:00:10Z') };

describe('parseReportLines', () => {
  it('reads the scaleplan lines and leaves other output, JSON logs included, alone', () => {
    const log = [
      'Loading data…',
      '{"level":30,"msg":"epoch 1"}',
      '{"scaleplan":"progress","step":10,"totalSteps":100,"tokens":640,"trainLoss":4.1}',
      '  {"scaleplan":"progress","step":20,"tokens":1280,"evalLoss":3.9}  ',
      '{"scaleplan": "result", "finalLoss": 3.5}',
      '{"scaleplan":"result","finalLoss":1.0}',
      '{"scaleplan":',
    ].join('\n');
    const reports = parseReportLines(log);
    expect(reports.progress.map((p) => p.step)).toEqual([10, 20]);
    expect(reports.result).toMatchObject({ finalLoss: 3.5, status: 'completed' });
    expect(reports.invalid).toEqual([]);
  });

  it('collects invalid report lines with the reason', () => {
    const reports = parseReportLines('{"scaleplan":"result","finalLoss":"low"}\n{"scaleplan":"loss","value":1}');
    expect(reports.result).toBeUndefined();
    expect(reports.invalid).toHaveLength(2);
    expect(reports.invalid[0]).toContain('finalLoss');
  });
});

describe('outcomeFromReports', () => {
  it('fills what a minimal trainer leaves out from the plan, and builds the curve from its progress', () => {
    const made = outcomeFromReports(
      run,
      { scaleplan: 'result', status: 'completed', finalLoss: 3.25 },
      [{ scaleplan: 'progress', step: 5, tokens: 2500, trainLoss: 4 }],
      facts,
    );
    expect(made).toEqual({
      outcome: {
        runId: 'r1',
        status: 'completed',
        params: 1000,
        paramsTotal,
        tokens: 5000,
        flops: 6 * paramsTotal * 5000,
        finalLoss: 3.25,
        shape,
        curve: [{ step: 5, tokens: 2500, flops: 6 * paramsTotal * 2500, trainLoss: 4 }],
        backend: 'trainer:acme/trainer:1',
        simulated: false,
        wallSeconds: 10,
        tokensPerSecond: 500,
      },
    });
  });

  it('keeps what the trainer measured, and refuses a completed run without a loss', () => {
    const made = outcomeFromReports(
      run,
      { scaleplan: 'result', status: 'completed', finalLoss: 3, params: 1100, tokens: 4800, backend: 'pytorch-2.4/cuda', curve: [] },
      [],
      facts,
    );
    expect(made).toMatchObject({
      outcome: { params: 1100, paramsTotal, tokens: 4800, flops: 6 * paramsTotal * 4800, backend: 'pytorch-2.4/cuda', curve: [] },
    });
    expect(outcomeFromReports(run, { scaleplan: 'result', status: 'completed' }, [], facts)).toEqual({
      reason: 'the trainer reported a completed run without finalLoss',
    });
    expect(outcomeFromReports(run, { scaleplan: 'result', status: 'diverged', divergenceReason: 'NaN' }, [], facts)).toMatchObject({
      outcome: { status: 'diverged', divergenceReason: 'NaN' },
    });
  });
});
