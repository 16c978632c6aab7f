import { describe, expect, it } from 'vitest';
import { withConditions, type Condition } from './conditions.js';

const condition = (type: Condition['type'], status: boolean, reason: string, message: string, at: string, generation: number): Condition =>
  ({ type, status: status ? 'True' : 'False', reason, message, lastTransitionTime: at, observedGeneration: generation }) as Condition;

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';

describe('withConditions', () => {
  it('sets each condition in order: a later one of the same type replaces an earlier one, and the time moves only on a flip', () => {
    const previous = { conditions: [condition('Ready', false, 'LawMeasuring', 'measuring', T0, 1)] };
    const next = withConditions(previous, [
      condition('Ready', false, 'LawMeasuring', 'still measuring', T1, 2),
      condition('Degraded', false, 'Reconciled', 'fine', T1, 2),
      condition('Ready', true, 'AllocationResolved', 'resolved', T1, 2),
    ]);
    expect(next.map((c) => [c.type, c.status, c.reason, c.lastTransitionTime])).toEqual([
      ['Degraded', 'False', 'Reconciled', T1],
      ['Ready', 'True', 'AllocationResolved', T1],
    ]);
    expect(previous.conditions).toHaveLength(1); // the previous status is not modified
    expect(withConditions({}, [])).toEqual([]);
  });
});
