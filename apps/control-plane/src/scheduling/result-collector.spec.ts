import { describe, expect, it } from 'vitest';
import { ownerKindOfJob, parseJobId } from './result-collector.js';

describe('which resource a finished job belongs to', () => {
  it('reads the owner kind from the payload, whatever the run is called', () => {
    expect(ownerKindOfJob({ kind: 'final', runId: 'sweep-like-name' })).toBe('ComputeBudget');
    expect(ownerKindOfJob({ kind: 'sweep', runId: 'final-looking-name' })).toBe('ScalingLaw');
  });

  it('claims no owner for a payload without a run kind', () => {
    expect(ownerKindOfJob({ runId: 'final-1' })).toBeUndefined();
    expect(ownerKindOfJob({ kind: 'other' })).toBeUndefined();
    expect(ownerKindOfJob(null)).toBeUndefined();
  });

  it('reads owner and run id from a job id', () => {
    expect(parseJobId('default/chinchilla/final-1')).toEqual({ owner: { namespace: 'default', name: 'chinchilla' }, runId: 'final-1' });
    expect(parseJobId('default//x')).toBeUndefined();
  });
});
