import { describe, expect, it } from 'vitest';
import { ACCELERATORS, flopsFromAcceleratorHours, getAccelerator } from './accelerators.js';

describe('flopsFromAcceleratorHours', () => {
  it('is hours × 3600 × dense peak × utilisation', () => {
    expect(flopsFromAcceleratorHours({ hours: 5000, accelerator: 'h100', utilisation: 0.4 })).toBeCloseTo(
      5000 * 3600 * 989.5e12 * 0.4,
      -10,
    );
    expect(flopsFromAcceleratorHours({ hours: 1, accelerator: 'A100', precision: 'tf32', utilisation: 1 })).toBe(3600 * 156e12);
  });

  it('resolves aliases case-insensitively', () => {
    expect(getAccelerator('H100')).toBe(ACCELERATORS['h100-sxm']);
    expect(getAccelerator('v5e')).toBe(ACCELERATORS['tpu-v5e']);
  });

  it('names the known accelerators when the name is unknown', () => {
    expect(() => flopsFromAcceleratorHours({ hours: 1, accelerator: 'b200', utilisation: 0.5 })).toThrow(
      expect.objectContaining({
        code: 'UnknownAccelerator',
        message: expect.stringMatching(/unknown accelerator "b200"; known: .*h100-sxm.*l40s.*tpu-v5e/),
      }),
    );
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('treats the prototype name %s as unknown', (name) => {
    expect(() => flopsFromAcceleratorHours({ hours: 1, accelerator: name, utilisation: 0.5 })).toThrow(
      expect.objectContaining({ code: 'UnknownAccelerator' }),
    );
  });

  it('names the precisions a chip has when asked for one it lacks', () => {
    expect(() => flopsFromAcceleratorHours({ hours: 1, accelerator: 'v100', precision: 'bf16', utilisation: 0.5 })).toThrow(
      expect.objectContaining({ code: 'UnknownPrecision', message: expect.stringMatching(/fp64, fp32, fp16/) }),
    );
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses utilisation %s', (utilisation) => {
    expect(() => flopsFromAcceleratorHours({ hours: 1, accelerator: 'h100', utilisation })).toThrow(/utilisation/);
  });

  it('refuses non-positive hours', () => {
    expect(() => flopsFromAcceleratorHours({ hours: 0, accelerator: 'h100', utilisation: 0.4 })).toThrow(/accelerator hours must be > 0/);
  });
});
