import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { missingSharedData, needsSharedData, requireSharedDataFile, SHARED_DATA_ENV, sharedDataFile } from './shared-data.js';

const dir = mkdtempSync(join(tmpdir(), 'scaleplan-shared-data-'));
writeFileSync(join(dir, 'present.csv'), 'a\n1\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

describe('published data lookup', () => {
  it('reads the folder from SCALEPLAN_SHARED_DATA', () => {
    vi.stubEnv(SHARED_DATA_ENV, dir);
    expect(sharedDataFile('present.csv')).toBe(join(dir, 'present.csv'));
    expect(missingSharedData('present.csv')).toBeUndefined();
    expect(requireSharedDataFile('present.csv')).toBe(join(dir, 'present.csv'));
  });

  it('defaults to ../shared/data beside the checkout, wherever the tests run from', () => {
    vi.stubEnv(SHARED_DATA_ENV, '');
    expect(sharedDataFile('x.csv')).toBe(fileURLToPath(new URL('../../../shared/data/x.csv', import.meta.url)));
  });

  it('skips tests on missing data with a reason naming the file and the variable', () => {
    vi.stubEnv(SHARED_DATA_ENV, dir);
    vi.stubEnv('CI', '');
    const options = needsSharedData('present.csv', 'absent.csv');
    expect(options.skip).toBe(true);
    expect(options.meta?.skipReason).toContain(join(dir, 'absent.csv'));
    expect(options.meta?.skipReason).not.toContain('present.csv');
    expect(options.meta?.skipReason).toContain(SHARED_DATA_ENV);
    expect(needsSharedData('present.csv')).toEqual({});
  });

  it('never skips under CI: the tests run and the loader fails with the same explanation', () => {
    vi.stubEnv(SHARED_DATA_ENV, dir);
    vi.stubEnv('CI', 'true');
    expect(needsSharedData('absent.csv')).toEqual({});
    expect(() => requireSharedDataFile('absent.csv')).toThrow(/published data missing \(.*absent\.csv\): set SCALEPLAN_SHARED_DATA/);
  });
});
