import { describe, expect, it } from 'vitest';
import { sampleCategorical, softmax64 } from './categorical';
import { createRng, type Rng } from './rng';

/** An Rng that returns fixed uniforms (to pin the inverse-CDF boundaries). */
function fixedRng(...values: number[]): Rng {
  let i = 0;
  const rng: Rng = { uniform: () => values[i++ % values.length]!, fork: () => rng };
  return rng;
}

describe('sampleCategorical', () => {
  it('matches the weights: chi-square at significance 0.001 (df = 4, critical value 18.47)', () => {
    const weights = [1, 2, 3, 4, 0, 10];
    const total = 20;
    const rng = createRng(1);
    const n = 60_000;
    const counts = new Float64Array(weights.length);
    for (let i = 0; i < n; i++) counts[sampleCategorical(weights, rng)]!++;
    expect(counts[4]).toBe(0); // zero weight is never drawn
    let chi2 = 0;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] === 0) continue;
      const expected = (n * weights[i]!) / total;
      chi2 += (counts[i]! - expected) ** 2 / expected;
    }
    expect(chi2).toBeLessThan(18.467); // chi2_{0.999}(5 - 1)
  });

  it('draws from a sub-range given by offset and count', () => {
    const weights = new Float64Array([5, 0, 1, 0, 7]);
    const rng = createRng(2);
    for (let i = 0; i < 200; i++) {
      expect(sampleCategorical(weights, rng, 1, 3)).toBe(1); // only weights[2] > 0 in [1, 4)
    }
  });

  it('inverts the float64 CDF at the boundaries, keeping tail mass float32 would lose', () => {
    expect(sampleCategorical([1, 1], fixedRng(0.4999999))).toBe(0);
    expect(sampleCategorical([1, 1], fixedRng(0.5))).toBe(1);
    // A 1e-12 tail: u just below 1 must land on it (float32 cannot even represent 1 - 1e-13).
    expect(sampleCategorical([1, 1e-12], fixedRng(1 - 1e-13))).toBe(1);
    expect(sampleCategorical([1, 1e-12, 0], fixedRng(1 - 2 ** -53))).toBe(1);
  });

  it('returns -1 when the total weight is zero', () => {
    expect(sampleCategorical([0, 0, 0], createRng(0))).toBe(-1);
    expect(sampleCategorical([], createRng(0))).toBe(-1);
  });

  it('rejects NaN, negative and infinite weights wherever they are', () => {
    const rng = createRng(0);
    expect(() => sampleCategorical([1, Number.NaN], rng)).toThrow(/NaN/);
    expect(() => sampleCategorical([1, -0.5], rng)).toThrow(/index 1 is negative/);
    expect(() => sampleCategorical([-1], rng)).toThrow(/negative/);
    expect(() => sampleCategorical([1, Number.POSITIVE_INFINITY], rng)).toThrow(/infinite/);
    expect(() => sampleCategorical([1, 2], rng, 1, 5)).toThrow(/runs past/);
  });
});

describe('softmax64', () => {
  it('equals exp(l / T) / sum exp(l / T) in float64 and sums to 1', () => {
    const logits = [0.5, -1, 2, 0];
    for (const temperature of [1, 0.5, 3]) {
      const out = softmax64(logits, new Float64Array(4), 0, 4, temperature);
      const z = logits.reduce((s, l) => s + Math.exp(l / temperature), 0);
      logits.forEach((l, i) => {
        expect(out[i]).toBeCloseTo(Math.exp(l / temperature) / z, 15);
      });
      expect(out.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 15);
    }
  });

  it('is stable for large logits and reads a sub-range', () => {
    const out = softmax64([9, 1000, 1001, 9], new Float64Array(2), 1, 2);
    expect(out[0]).toBeCloseTo(1 / (1 + Math.E), 15);
    expect(out[1]).toBeCloseTo(Math.E / (1 + Math.E), 15);
  });

  it('rejects a non-positive temperature and a short output', () => {
    expect(() => softmax64([1, 2], new Float64Array(2), 0, 2, 0)).toThrow(/temperature/);
    expect(() => softmax64([1, 2], new Float64Array(1))).toThrow(/output has length 1/);
  });
});
