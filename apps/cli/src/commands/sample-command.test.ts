import { describe, expect, it } from 'vitest';
import { md4 } from '../cli-process.test-helper';
import type { SampleCommandOptions } from './sample-command';
import { methodOptions } from './sample-command';

describe('md4 sample sizes', () => {
  it('--count 0 is a usage error (exit 2), not an internal one', () => {
    const r = md4(['sample', 'anything', '--count', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--count must be a positive integer, got 0/);
  });
});

describe('md4 sample method flags', () => {
  const base = { method: 'ancestral', eos: false } as SampleCommandOptions;

  it('become the sampler options of their method', () => {
    expect(methodOptions(base)).toEqual({});
    expect(
      methodOptions({
        ...base,
        method: 'confidence',
        transfer: 'threshold',
        threshold: 0.7,
        rank: 'entropy',
      }),
    ).toEqual({
      transfer: 'threshold',
      threshold: 0.7,
      rank: 'entropy',
    });
    expect(methodOptions({ ...base, method: 'remdm' })).toEqual({
      remask: { strategy: 'cap', eta: undefined },
    });
    expect(methodOptions({ ...base, method: 'remdm', remask: 'loop', tOn: 0.6, eta: 0.1 })).toEqual({
      remask: { strategy: 'loop', eta: 0.1, tOn: 0.6, tOff: undefined, alphaOn: undefined },
    });
    expect(methodOptions({ ...base, method: 'remdm', remask: 'conf' })).toEqual({
      remask: { strategy: 'conf' },
    });
  });

  it('given for another method, or another strategy, are usage errors naming what they need', () => {
    expect(() => methodOptions({ ...base, transfer: 'even' })).toThrow(
      /--transfer applies to --method confidence; drop it or add --method confidence/,
    );
    expect(() => methodOptions({ ...base, method: 'confidence', eta: 0.1 })).toThrow(
      /--eta applies to --method remdm/,
    );
    expect(() => methodOptions({ ...base, method: 'confidence', threshold: 0.5 })).toThrow(
      /--threshold needs --transfer threshold/,
    );
    expect(() => methodOptions({ ...base, method: 'remdm', remask: 'conf', eta: 0.1 })).toThrow(
      /--eta does not apply to --remask conf/,
    );
    expect(() => methodOptions({ ...base, method: 'remdm', tOn: 0.5 })).toThrow(
      /--t-on applies to --remask loop/,
    );
  });
});
