import { mixSeed, SeededRandom } from '../random.js';

/** Where a training stream is: which pass over the corpus and how many windows of it were used. */
export interface StreamPosition {
  readonly epoch: number;
  readonly cursor: number;
}

/** One batch: `inputs` and `targets` are [sequences × sequenceLength] row-major; `targetCount` real targets. */
export interface TokenBatch {
  readonly inputs: Int32Array;
  readonly targets: Int32Array;
  /** 1 for a target that counts, 0 for padding in the run's last, partial batch. */
  readonly weights: Float32Array;
  readonly sequences: number;
  readonly targetCount: number;
}

/**
 * Training windows of T+1 tokens at stride T over the training split, visited in a seeded random order that
 * is reshuffled every pass. The order of pass e is a pure function of (seed, e), so the position alone is
 * enough to resume exactly.
 */
export class TrainingStream {
  readonly windows: number;
  private order: Uint32Array;
  private epoch = 0;
  private cursor = 0;

  constructor(
    private readonly tokens: Uint16Array,
    private readonly sequenceLength: number,
    private readonly seed: number,
    start: StreamPosition = { epoch: 0, cursor: 0 },
  ) {
    this.windows = Math.floor((tokens.length - 1) / sequenceLength);
    this.epoch = start.epoch;
    this.cursor = start.cursor;
    this.order = this.permutation(this.epoch);
  }

  get position(): StreamPosition {
    return { epoch: this.epoch, cursor: this.cursor };
  }

  private permutation(epoch: number): Uint32Array {
    const order = new Uint32Array(this.windows);
    for (let i = 0; i < order.length; i += 1) order[i] = i;
    const random = new SeededRandom(mixSeed(this.seed, epoch, 0x5eed));
    for (let i = order.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random.next() * (i + 1));
      const tmp = order[i]!;
      order[i] = order[j]!;
      order[j] = tmp;
    }
    return order;
  }

  /** The next `sequences` windows, of which only the first `targetCount` targets count. */
  next(sequences: number, targetCount = sequences * this.sequenceLength): TokenBatch {
    const T = this.sequenceLength;
    const inputs = new Int32Array(sequences * T);
    const targets = new Int32Array(sequences * T);
    const weights = new Float32Array(sequences * T);
    weights.fill(1, 0, targetCount);
    const used = Math.ceil(targetCount / T);
    for (let s = 0; s < used; s += 1) {
      if (this.cursor >= this.windows) {
        this.epoch += 1;
        this.cursor = 0;
        this.order = this.permutation(this.epoch);
      }
      const start = this.order[this.cursor]! * T;
      this.cursor += 1;
      for (let t = 0; t < T; t += 1) {
        inputs[s * T + t] = this.tokens[start + t]!;
        targets[s * T + t] = this.tokens[start + t + 1]!;
      }
    }
    return { inputs, targets, weights, sequences, targetCount };
  }
}

/** Evenly spaced held-out windows (deterministic): at most `maxSequences` of them. */
export function heldOutBatches(tokens: Uint16Array, sequenceLength: number, batchSequences: number, maxSequences: number): TokenBatch[] {
  const T = sequenceLength;
  const available = Math.floor((tokens.length - 1) / T);
  const count = Math.min(available, maxSequences);
  const batches: TokenBatch[] = [];
  for (let first = 0; first < count; first += batchSequences) {
    const sequences = Math.min(batchSequences, count - first);
    const inputs = new Int32Array(sequences * T);
    const targets = new Int32Array(sequences * T);
    for (let s = 0; s < sequences; s += 1) {
      const start = Math.floor(((first + s) * available) / count) * T;
      for (let t = 0; t < T; t += 1) {
        inputs[s * T + t] = tokens[start + t]!;
        targets[s * T + t] = tokens[start + t + 1]!;
      }
    }
    batches.push({ inputs, targets, weights: new Float32Array(sequences * T).fill(1), sequences, targetCount: sequences * T });
  }
  return batches;
}
