import { describe, expect, it } from 'vitest';
import { meanAndSpread, withinNoise } from './claim-results';

describe('the statistics of the results page', () => {
  it('mean and sample standard deviation', () => {
    const { mean, sd } = meanAndSpread([1, 2, 3, 6]);
    expect(mean).toBe(3);
    // squares 4 + 1 + 0 + 9 = 14 over n - 1 = 3
    expect(sd).toBeCloseTo(Math.sqrt(14 / 3), 14);
    expect(meanAndSpread([5]).sd).toBeNaN();
  });

  it('two estimates agree when they differ by at most k combined standard errors', () => {
    const a = { bitsPerToken: 3.0, stderr: 0.03 };
    const b = { bitsPerToken: 3.09, stderr: 0.04 };
    // combined standard error 0.05
    expect(withinNoise(a, b, 2)).toEqual({
      difference: expect.closeTo(0.09, 12),
      bound: expect.closeTo(0.1, 12),
      agrees: true,
    });
    expect(withinNoise(a, b, 1.7).agrees).toBe(false);
  });
});
