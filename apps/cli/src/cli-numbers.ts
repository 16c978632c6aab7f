import type { z } from 'zod';
import { CliUsageError } from './cli-errors.js';

/** A finite number > 0 from a flag value ("1e24", "5.76e23"); the message names the flag. */
export function parsePositiveNumber(flag: string, raw: string): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new CliUsageError(`${flag} must be a number > 0 (e.g. 1e24), got ${JSON.stringify(raw)}`);
  return value;
}

/** An integer ≥ minimum from a flag value. */
export function parseInteger(flag: string, raw: string, minimum: number): number {
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isInteger(value) || value < minimum)
    throw new CliUsageError(`${flag} must be an integer ≥ ${minimum}, got ${JSON.stringify(raw)}`);
  return value;
}

/** A comma-separated list of numbers > 0 ("1e21,1e24"). */
export const parseNumberList = (flag: string, raw: string): number[] =>
  raw.split(',').map((item) => parsePositiveNumber(flag, item.trim()));

/**
 * A parsed flag value held to one of the admission contract's number schemas (@scaleplan/contracts), so the CLI
 * refuses what the control plane would: `--flops 1e308` says the limit and why.
 */
export function withinContract(flag: string, value: number, schema: z.ZodType<number>): number {
  const checked = schema.safeParse(value);
  if (!checked.success) throw new CliUsageError(`${flag} ${checked.error.issues[0]?.message ?? 'is out of range'}, got ${value}`);
  return checked.data;
}
