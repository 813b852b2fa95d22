import { describe, expect, it } from 'vitest';
import { cpuIdentity } from './cpu-identity';

describe('cpuIdentity', () => {
  it("reads the first processor's vendor, family and model, not the model name", () => {
    const cpuinfo = [
      'processor\t: 0',
      'vendor_id\t: AuthenticAMD',
      'cpu family\t: 26',
      'model\t\t: 2',
      'model name\t: AMD EPYC',
      '',
      'processor\t: 1',
      'vendor_id\t: AuthenticAMD',
      'cpu family\t: 25',
      'model\t\t: 17',
    ].join('\n');
    expect(cpuIdentity(cpuinfo)).toEqual({ vendor: 'AuthenticAMD', family: 26, model: 2 });
  });

  it('gives nulls where the lines are missing or not numbers', () => {
    expect(cpuIdentity('')).toEqual({ vendor: null, family: null, model: null });
    expect(cpuIdentity('vendor_id : GenuineIntel\ncpu family : six\nmodel : 143')).toEqual({
      vendor: 'GenuineIntel',
      family: null,
      model: 143,
    });
  });

  it('reads this machine', () => {
    const here = cpuIdentity();
    if (process.platform === 'linux') expect(here.family).toBeGreaterThan(0);
  });
});
