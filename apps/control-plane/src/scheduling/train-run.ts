import type { RunRecord, ScalingLawSpec, TrainRunInput } from '@scaleplan/contracts';

type ModelSpec = ScalingLawSpec['model'];
type Simulation = NonNullable<NonNullable<ScalingLawSpec['sweep']>['simulate']>;

/** The job payload of a run (job-catalog `TrainRun`): exact N and D, the planned shape, the study's model settings and simulation. */
export function toTrainRun(run: RunRecord, model: ModelSpec, simulate: Simulation | undefined): TrainRunInput {
  return {
    owner: run.owner,
    runId: run.runId,
    kind: run.kind,
    params: run.params,
    tokens: run.tokens,
    seed: run.seed,
    corpus: model.corpus,
    tokenizer: model.tokenizer,
    sequenceLength: model.sequenceLength,
    budgetFlops: run.budgetFlops,
    shape: run.shape,
    ...(simulate ? { simulate: { law: simulate.law, noise: simulate.noise, durationMs: simulate.durationMs } } : {}),
  };
}
