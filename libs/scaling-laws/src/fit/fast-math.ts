/**
 * exp and log on the narrow domains the Approach-3 inner loop needs, written so V8 inlines them.
 * Math.exp / Math.log are library calls (~10 ns each here) and the inner loop makes three of them per
 * run per evaluation; these are ~3× cheaper with errors of a few ulp (tested against Math.*).
 */

const EXP_TABLE_BITS = 7;
const EXP_TABLE_SIZE = 1 << EXP_TABLE_BITS;
const EXP_SCALE = EXP_TABLE_SIZE / Math.LN2;
// ln2/128 = LN2_HI + LN2_LO with LN2_HI a multiple of 2^-32 (k·LN2_HI is exact for |k| < 2^20) and
// LN2_LO its remainder to double precision (from a 50-digit ln 2).
const LN2_HI = 0.0054152123630046844;
const LN2_LO = -1.4880111718420063e-11;
/** 1.5·2^52: adding and subtracting it rounds a double to the nearest integer. */
const ROUNDER = 6755399441055744;
/** Below this exp(x) < 2^-1000 and is returned as 0 (it cannot change a sum that contains a 1). */
export const FAST_EXP_MIN = -690;

const EXP_TAIL = new Float64Array(EXP_TABLE_SIZE);
for (let j = 0; j < EXP_TABLE_SIZE; j++) EXP_TAIL[j] = 2 ** (j / EXP_TABLE_SIZE);
const POW2_NEG = new Float64Array(1030);
for (let m = 0; m < POW2_NEG.length; m++) POW2_NEG[m] = 2 ** -m;

/** exp(x) for x ≤ 0 (x > 0 is not supported and returns garbage); 0 below FAST_EXP_MIN. */
export function fastExpNonPositive(x: number): number {
  if (x < FAST_EXP_MIN) return 0;
  const kd = x * EXP_SCALE + ROUNDER - ROUNDER;
  const k = kd | 0; // in [−128·996, 0]
  const r = x - kd * LN2_HI - kd * LN2_LO; // |r| ≤ ln2/256
  const poly = 1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  return POW2_NEG[-(k >> EXP_TABLE_BITS)]! * EXP_TAIL[k & (EXP_TABLE_SIZE - 1)]! * poly;
}

const LOG_TABLE_SIZE = 64;
const LOG_STEP = 2 / LOG_TABLE_SIZE; // covers [1, 3)
const LOG_CENTRE = new Float64Array(LOG_TABLE_SIZE + 1);
const LOG_OF_CENTRE = new Float64Array(LOG_TABLE_SIZE + 1);
for (let j = 0; j <= LOG_TABLE_SIZE; j++) {
  LOG_CENTRE[j] = 1 + (j + 0.5) * LOG_STEP;
  LOG_OF_CENTRE[j] = Math.log(LOG_CENTRE[j]!);
}

/**
 * ln(s) for 1 ≤ s ≤ 3 (a sum of three exps whose largest is 1), with absolute error ~1e-16:
 * ln s = ln c + 2·atanh((s − c)/(s + c)) around the nearest table centre c, |z| < 0.008.
 */
export function fastLogOneToThree(s: number): number {
  const j = ((s - 1) * (1 / LOG_STEP)) | 0;
  const c = LOG_CENTRE[j]!;
  const z = (s - c) / (s + c);
  const z2 = z * z;
  return LOG_OF_CENTRE[j]! + 2 * z * (1 + z2 * (1 / 3 + z2 * (1 / 5 + z2 * (1 / 7))));
}
