import { createRng } from '@md4/core';
import { cosine, linear } from '@md4/schedules';
import { describe, expect, it } from 'vitest';
import { drawUnitTimes } from './antithetic-times';
import { md4ReconstructionNats, md4TimeWeights } from './md4-time-weights';

describe('md4TimeWeights', () => {
  it('continuous: t = u and weight -w(t) (= 1/t for linear with eps = 0)', () => {
    const { times, weights } = md4TimeWeights(linear({ eps: 0 }), Float64Array.from([0.1, 0.5, 0.999]));
    expect(Array.from(times)).toEqual([0.1, 0.5, 0.999]);
    expect(weights[0]).toBeCloseTo(10, 12);
    expect(weights[1]).toBeCloseTo(2, 12);
    expect(weights[2]).toBeCloseTo(1 / 0.999, 12);
    expect(md4TimeWeights(linear(), Float64Array.from([0])).times[0]).toBeGreaterThan(0); // u = 0 nudged
  });

  it('discrete: i = floor(u T) + 1, t = i/T, weight T (alpha_s - alpha_t) / (1 - alpha_t)', () => {
    const schedule = cosine();
    const T = 4;
    const { times, weights } = md4TimeWeights(schedule, Float64Array.from([0, 0.2499, 0.25, 0.99]), T);
    expect(Array.from(times)).toEqual([0.25, 0.25, 0.5, 1]);
    const expected = (i: number) =>
      (T * (schedule.alpha((i - 1) / T) - schedule.alpha(i / T))) / (1 - schedule.alpha(i / T));
    expect(Array.from(weights)).toEqual([expected(1), expected(1), expected(2), expected(4)]);
    // Linear, eps = 0: T (1/T) / t = 1/t, the continuous weight at the same t.
    expect(md4TimeWeights(linear({ eps: 0 }), Float64Array.from([0.5]), 5).weights[0]).toBeCloseTo(
      1 / 0.6,
      12,
    );
  });

  it('gives the reconstruction term L (1 - alpha(0)) log V', () => {
    expect(md4ReconstructionNats(linear({ eps: 1e-3 }), 8, 27)).toBeCloseTo(8 * 1e-3 * Math.log(27), 14);
  });
});

describe('drawUnitTimes', () => {
  it('antithetic: one uniform u, then (u + b/B) mod 1; iid: B uniforms', () => {
    const u = createRng(1).uniform();
    const times = drawUnitTimes(4, createRng(1), true);
    expect(Array.from(times)).toEqual([0, 1, 2, 3].map((b) => (u + b / 4) % 1));
    const stream = createRng(2);
    expect(Array.from(drawUnitTimes(3, createRng(2), false))).toEqual([
      stream.uniform(),
      stream.uniform(),
      stream.uniform(),
    ]);
  });
});
