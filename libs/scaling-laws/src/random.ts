import { ScalingLawError } from './errors.js';

/** A seeded source of uniform numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * mulberry32 (Tommy Ettinger, public domain): a 32-bit-state generator, fast and good enough for
 * bootstrap resampling and synthetic noise; not for cryptography. Same seed → same sequence on every
 * platform (only 32-bit integer arithmetic).
 */
export function createRandom(seed: number): RandomSource {
  if (!Number.isInteger(seed)) throw new ScalingLawError('InvalidOption', `seed must be an integer, got ${seed}`);
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller, one of the pair). */
export function standardNormal(random: RandomSource): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Integer multiplicities of a resample with replacement: counts[i] = how often row i was drawn (n draws). */
export function resampleCounts(rows: number, random: RandomSource, counts = new Float64Array(rows)): Float64Array {
  counts.fill(0);
  for (let k = 0; k < rows; k++) counts[Math.floor(random() * rows)]! += 1;
  return counts;
}
