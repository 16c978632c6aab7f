import { trustCheckSchema, trustVerdictSchema } from '@scaleplan/contracts';
import { TRUST_REASONS, type TrustCheckName } from '@scaleplan/scaling-laws';
import { describe, expect, it } from 'vitest';

// The two libraries may not import each other (eslint.config.js), so the verdict's vocabulary is written in both:
// libs/scaling-laws decides it, libs/contracts carries it. This adapter joins them, and these tests keep them equal.
describe('trust-verdict vocabulary of the fit library and the API contract', () => {
  it('has the same reasons', () => {
    expect(trustVerdictSchema.shape.reason.options).toEqual(['Trusted', ...TRUST_REASONS]);
  });

  it('documents the same check names', () => {
    // A record over TrustCheckName: the compiler rejects a missing or unknown name here.
    const names: Record<TrustCheckName, true> = {
      converged: true,
      enoughRuns: true,
      irreducibleLossCollapsed: true,
      exponentsPlausible: true,
      bootstrapConverged: true,
      minimumBracketed: true,
      methodsAgree: true,
      aIntervalWidth: true,
      nOptIntervalWidth: true,
      influentialRuns: true,
    };
    const documented = trustCheckSchema.shape.name.description!.replace(/\.$/, '').split(/, | or /);
    expect(documented).toEqual(Object.keys(names));
  });
});
