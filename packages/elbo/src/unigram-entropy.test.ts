import { describe, expect, it } from 'vitest';
import { meanUnigramEntropy, unigramEntropy } from './unigram-entropy';

describe('unigramEntropy', () => {
  it('is the entropy of the frequencies within the sequence, in nats', () => {
    expect(unigramEntropy([4, 4, 4, 4])).toBe(0);
    expect(unigramEntropy([0, 1, 2, 3])).toBeCloseTo(Math.log(4), 14);
    // frequencies 1/2, 1/4, 1/4: 1.5 bits
    expect(unigramEntropy([7, 7, 3, 9])).toBeCloseTo(1.5 * Math.LN2, 14);
    // 1/3, 2/3
    expect(unigramEntropy(Int32Array.from([5, 6, 6]))).toBeCloseTo(
      -(1 / 3) * Math.log(1 / 3) - (2 / 3) * Math.log(2 / 3),
      14,
    );
  });

  it('averages over sequences with equal weight, and refuses empty input', () => {
    expect(
      meanUnigramEntropy([
        [1, 1],
        [1, 2],
      ]),
    ).toBeCloseTo(Math.LN2 / 2, 14);
    expect(() => unigramEntropy([])).toThrow(/empty/);
    expect(() => meanUnigramEntropy([])).toThrow(/no sequences/);
  });
});
