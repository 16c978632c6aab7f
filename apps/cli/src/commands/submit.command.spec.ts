import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../cli-errors.js';
import { parseResourceFile } from './submit.command.js';

const law = `apiVersion: scaleplan.dev/v1alpha1
kind: ScalingLaw
metadata: { name: study }
spec:
  sweep: { budgets: [1e15, 1e16, 1e17], simulate: { law: { irreducibleLoss: 1.69, paramCoeff: 406.4, dataCoeff: 410.7, paramExponent: 0.34, dataExponent: 0.28 } } }
`;
const budget = (spec: string): string => `---
apiVersion: scaleplan.dev/v1alpha1
kind: ComputeBudget
metadata: { name: budget }
spec: ${spec}
`;

describe('scaleplan submit: reading the file', () => {
  it('reads every document of a valid file', () => {
    expect(parseResourceFile(law + budget('{ flops: 1e21, scalingLaw: study }'), 'study.yaml').map((r) => r.kind)).toEqual([
      'ScalingLaw',
      'ComputeBudget',
    ]);
  });

  // The same admission contract as the control plane: nothing is sent when one document breaks it.
  it.each([
    [
      'flops: 1e308',
      budget('{ flops: 1e308, preset: chinchilla-2022 }'),
      /document 1 \(ComputeBudget budget\): spec\.flops: must be at most 1e30 FLOPs/,
    ],
    [
      'an absolute corpus',
      law.replace('spec:\n', 'spec:\n  model: { corpus: /etc/passwd }\n'),
      /document 1 \(ScalingLaw study\): spec\.model\.corpus: corpus "\/etc\/passwd" is an absolute path/,
    ],
    [
      'a name that is no DNS label',
      budget('{ flops: 1e21, preset: chinchilla-2022 }').replace('name: budget', 'name: a/b'),
      /metadata\.name: must be a DNS-1123 label/,
    ],
    ['repeated methods', law.replace('spec:\n', 'spec:\n  fit: { methods: [2, 2] }\n'), /spec\.fit\.methods: each method at most once/],
  ])('refuses %s, naming the document and the field', (_what, text, message) => {
    expect(() => parseResourceFile(text, 'study.yaml')).toThrow(CliUsageError);
    expect(() => parseResourceFile(text, 'study.yaml')).toThrow(message);
  });

  it('refuses a YAML alias bomb with the reason, not a crash', () => {
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      rows.push(
        `${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9)
          .fill(`*${'abcdefghij'[i - 1]}`)
          .join(', ')}]`,
      );
    expect(() => parseResourceFile(rows.join('\n'), 'bomb.yaml')).toThrow(/bomb\.yaml: .*(alias|resource exhaustion)/i);
  });

  it('refuses deep nesting and duplicate keys', () => {
    expect(() => parseResourceFile(`${'['.repeat(10_000)}`, 'deep.yaml')).toThrow(/deeper than 64 levels/);
    expect(() => parseResourceFile('kind: ScalingLaw\nkind: ComputeBudget\n', 'dup.yaml')).toThrow(/key "kind" appears twice/);
  });
});
