import { mixSeed, SeededRandom } from '../random.js';
import { budgetFlopsPerToken, countParameters } from '../shapes/parameter-count.js';
import { DEFAULT_SEQUENCE_LENGTH, DEFAULT_VOCAB_SIZE, runShape } from '../shapes/shape-solver.js';
import { batchSizeFor } from '../shapes/training-rules.js';
import type { LossPoint, TrainingResult, TrainingRunSpec } from '../training/training.types.js';

/** L(N, D) = E + A/N^α + B/D^β (nats/token), N the total parameter count. */
export interface SimulationLaw {
  readonly irreducibleLoss: number;
  readonly paramCoeff: number;
  readonly dataCoeff: number;
  readonly paramExponent: number;
  readonly dataExponent: number;
}

export interface SimulationSpec {
  readonly law: SimulationLaw;
  /** σ of the multiplicative log-normal noise on each reported loss. @default 0.005 */
  readonly noise?: number;
}

/** Curve points of a simulated run (a handful: the simulated path must cost microseconds). */
export const SIMULATED_CURVE_POINTS = 8;

/**
 * How much higher the data term B/t^β is at a point where none of the cosine decay has happened yet:
 * a run whose schedule is set for D is not annealed at t < D, so its loss there is above that of a run
 * trained to t with a matched schedule, L(N, t) (Hoffmann et al. 2022 §2, App. D.1 / Fig. A1).
 * An assumed, plausible size (decaying the LR buys ~20% of the data-limited loss), not a measured one.
 */
export const SIMULATED_UNANNEALED_GAP = 0.2;

const predict = (law: SimulationLaw, params: number, tokens: number): number =>
  law.irreducibleLoss + law.paramCoeff * params ** -law.paramExponent + law.dataCoeff * tokens ** -law.dataExponent;

/**
 * Loss after `tokens` of a run whose cosine schedule ends at `scheduleTokens`: L(N, t) plus the
 * unannealed gap, scaled by the part of the cosine decay still ahead, ½(1 + cos(π·t/D)); equals
 * L(N, D) at t = D and lies above L(N, t) before it.
 */
export function simulatedCurveLoss(law: SimulationLaw, params: number, tokens: number, scheduleTokens: number): number {
  const decayAhead = 0.5 * (1 + Math.cos(Math.PI * Math.min(1, tokens / scheduleTokens)));
  return predict(law, params, tokens) + SIMULATED_UNANNEALED_GAP * decayAhead * law.dataCoeff * tokens ** -law.dataExponent;
}

/**
 * A simulated run: the exact shape, N and FLOPs of the real model, a loss curve along the training
 * trajectory of a run whose LR schedule ends at D (`simulatedCurveLoss`: above L(N, t) before the end, so
 * it falls with tokens towards L(N, D)), times seeded log-normal noise; no tensors, no corpus. The law is
 * evaluated at the total N, the count that sweeps plan and fits read. The result is labelled
 * `simulated: true` and reports the `simulated` backend.
 */
export function simulateRun(spec: TrainingRunSpec, simulation: SimulationSpec): TrainingResult {
  const sequenceLength = spec.sequenceLength ?? DEFAULT_SEQUENCE_LENGTH;
  const shape = runShape(spec.params, spec.shape, { vocabSize: DEFAULT_VOCAB_SIZE, sequenceLength });
  const counts = countParameters(shape);
  const flopsPerToken = budgetFlopsPerToken(shape);
  const batchTokens = batchSizeFor(shape, spec.tokens) * shape.sequenceLength;
  const totalSteps = Math.max(1, Math.ceil(spec.tokens / batchTokens));
  const noise = simulation.noise ?? 0.005;
  const random = new SeededRandom(mixSeed(spec.seed ?? 0, Math.round(spec.params), spec.tokens));
  const jitter = (): number => Math.exp(noise * random.normal());
  const curve: LossPoint[] = [];
  for (let i = 1; i <= SIMULATED_CURVE_POINTS; i += 1) {
    const step = Math.max(1, Math.round(totalSteps ** (i / SIMULATED_CURVE_POINTS)));
    if (curve.length > 0 && curve[curve.length - 1]!.step >= step) continue;
    const tokens = step === totalSteps ? spec.tokens : step * batchTokens;
    const expected = simulatedCurveLoss(simulation.law, counts.total, tokens, spec.tokens);
    curve.push({ step, tokens, flops: tokens * flopsPerToken, trainLoss: expected * jitter(), evalLoss: expected * jitter() });
  }
  const finalLoss = curve[curve.length - 1]!.evalLoss!;
  return {
    runId: spec.runId,
    status: 'completed',
    params: counts.nonEmbedding,
    paramsTotal: counts.total,
    tokens: spec.tokens,
    flops: spec.tokens * flopsPerToken,
    finalLoss,
    shape,
    curve,
    backend: 'simulated',
    simulated: true,
    wallSeconds: 0,
    tokensPerSecond: 0,
    repetitionFactor: 0,
  };
}
