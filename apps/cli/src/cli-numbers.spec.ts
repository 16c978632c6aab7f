import { budgetFlopsSchema, tokenCountSchema } from '@scaleplan/contracts';
import { describe, expect, it } from 'vitest';
import { CliUsageError } from './cli-errors.js';
import { withinContract } from './cli-numbers.js';

describe('withinContract: flags held to the control plane admission limits', () => {
  it('passes values inside the limits', () => {
    expect(withinContract('--flops', 1e24, budgetFlopsSchema)).toBe(1e24);
  });

  it.each([
    ['--flops', 1e308, budgetFlopsSchema, /^--flops must be at most 1e30 FLOPs.*, got 1e\+308$/],
    ['--unique-tokens', 1e300, tokenCountSchema, /^--unique-tokens must be at most 1e18 tokens/],
    ['--unique-tokens', 0.5, tokenCountSchema, /^--unique-tokens must be at least 1 token, got 0\.5$/],
  ])('refuses %s %s, saying the limit', (flag, value, schema, message) => {
    expect(() => withinContract(flag, value, schema)).toThrow(CliUsageError);
    expect(() => withinContract(flag, value, schema)).toThrow(message);
  });
});
