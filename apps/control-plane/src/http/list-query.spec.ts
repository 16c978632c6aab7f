import { describe, expect, it } from 'vitest';
import { ControlPlaneError } from '../control-plane.errors.js';
import { encodeContinueToken, listMetadata, parseListQuery } from './list-query.js';

const LIST = 'computebudgets/default';
const fieldOf = (query: Record<string, unknown>): string | undefined => {
  try {
    parseListQuery(query, LIST);
  } catch (error) {
    expect(error).toBeInstanceOf(ControlPlaneError);
    expect((error as ControlPlaneError).code).toBe('Invalid');
    return (error as ControlPlaneError).fields[0]?.field;
  }
  return undefined;
};

describe('parseListQuery', () => {
  it('is unpaged without limit (the whole list, as the Kubernetes API)', () => {
    expect(parseListQuery({}, LIST)).toBeUndefined();
    expect(parseListQuery({ limit: '' }, LIST)).toBeUndefined();
  });

  it('round-trips a continue token of the same list', () => {
    const token = encodeContinueToken(LIST, ['default', 'b-7']);
    expect(parseListQuery({ limit: '50', continue: token }, LIST)).toEqual({ limit: 50, after: ['default', 'b-7'] });
    expect(listMetadata({ items: [1], next: ['default', 'b-7'], remaining: 3 }, LIST)).toEqual({ continue: token, remainingItemCount: 3 });
    expect(listMetadata({ items: [1], remaining: 0 }, LIST)).toEqual({});
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: '2.5' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ continue: encodeContinueToken(LIST, ['default', 'a']) }, 'continue'],
    [{ limit: '5', continue: 'not-a-token' }, 'continue'],
    [{ limit: '5', continue: Buffer.from('{"v":1,"list":"computebudgets/default","after":[{}]}').toString('base64url') }, 'continue'],
    [{ limit: '5', continue: Buffer.from('{"v":2,"list":"computebudgets/default","after":["a"]}').toString('base64url') }, 'continue'],
    [{ limit: '5', continue: encodeContinueToken('scalinglaws/default', ['default', 'a']) }, 'continue'],
    [{ limit: '5', continue: 'x'.repeat(5000) }, 'continue'],
  ])('%j → 400 naming %s', (query, field) => {
    expect(fieldOf(query)).toBe(field);
  });
});
