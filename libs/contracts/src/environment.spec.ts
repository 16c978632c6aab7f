import { describe, expect, it } from 'vitest';
import { EnvironmentReader } from './environment.js';

describe('EnvironmentReader', () => {
  it('takes the default for an unset or empty variable', () => {
    const read = new EnvironmentReader({ EMPTY: '' });
    expect(read.integer('UNSET', 7, 0)).toBe(7);
    expect(read.text('EMPTY', 'x')).toBe('x');
    expect(read.oneOf('EMPTY', ['a', 'b'], 'b')).toBe('b');
    expect(read.redisUrl()).toBe('redis://127.0.0.1:6379');
    expect(read.problems).toEqual([]);
  });

  it('records every bad value, naming the variable, the value and what is accepted', () => {
    const read = new EnvironmentReader({ PORT: '70000', LOCK: '1.5', MODE: 'x', REDIS_URL: 'localhost:6379', PREFIX: 'a:b' });
    expect(read.integer('PORT', 8080, 0, 65_535)).toBe(8080);
    expect(read.integer('LOCK', 15_000, 1000)).toBe(15_000);
    expect(read.oneOf('MODE', ['local', 'kubernetes'], 'local')).toBe('local');
    read.redisUrl();
    read.queuePrefix('PREFIX', 'scaleplan');
    expect(read.problems).toEqual([
      'PORT="70000": expected an integer from 0 to 65535',
      'LOCK="1.5": expected an integer ≥ 1000',
      'MODE="x": expected one of local, kubernetes',
      'REDIS_URL="localhost:6379": expected redis://host:port or rediss://…',
      `PREFIX="a:b": expected letters, digits, '_', '.', '-' (no ':')`,
    ]);
  });
});
