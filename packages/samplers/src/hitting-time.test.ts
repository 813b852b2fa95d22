import { createRng } from '@md4/core';
import { cosine, geometric, linear } from '@md4/schedules';
import { describe, expect, it } from 'vitest';
import { nextHittingTime } from './hitting-time';

describe('nextHittingTime', () => {
  it('is s = u^(1/n) t for the linear schedule without eps (with v = 1 - u)', () => {
    const alpha = linear({ eps: 0 }).alpha;
    for (const [t, n, u] of [
      [1, 1, 0.3],
      [0.7, 4, 0.9],
      [0.2, 50, 0.01],
    ] as const) {
      expect(nextHittingTime(alpha, t, n, u)).toBeCloseTo((1 - u) ** (1 / n) * t, 13);
    }
  });

  it('solves 1 - alpha(s) = v^(1/n) (1 - alpha(t)) to 1e-12 for cosine and geometric schedules', () => {
    for (const schedule of [cosine(), geometric()]) {
      for (const [t, n, u] of [
        [1, 3, 0.5],
        [0.4, 10, 0.25],
        [0.9, 1, 0.99],
      ] as const) {
        const s = nextHittingTime(schedule.alpha, t, n, u);
        expect(s).toBeGreaterThan(0);
        expect(s).toBeLessThanOrEqual(t);
        const target = (1 - u) ** (1 / n) * (1 - schedule.alpha(t));
        expect(Math.abs(1 - schedule.alpha(s) - target)).toBeLessThan(1e-12);
      }
    }
  });

  it('returns 0 inside the eps atom at t = 0 (1 - alpha(0) = eps)', () => {
    const alpha = linear({ eps: 0.1 }).alpha; // 1 - alpha(0) = 0.1, 1 - alpha(1) = 0.9
    // v^(1/1) * 0.9 < 0.1 <=> v < 1/9
    expect(nextHittingTime(alpha, 1, 1, 0.95)).toBe(0);
    expect(nextHittingTime(alpha, 1, 1, 0.85)).toBeGreaterThan(0);
  });

  it('has mean n/(n+1) t for the linear schedule (the max of n uniforms), 200000 draws within 4 standard errors', () => {
    const alpha = linear({ eps: 0 }).alpha;
    const rng = createRng(5);
    const n = 3;
    const draws = 200_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < draws; i++) {
      const s = nextHittingTime(alpha, 0.8, n, rng.uniform());
      sum += s;
      sumSq += s * s;
    }
    const mean = sum / draws;
    const sd = Math.sqrt(sumSq / draws - mean * mean);
    expect(Math.abs(mean - (0.8 * n) / (n + 1))).toBeLessThan((4 * sd) / Math.sqrt(draws));
  });

  it('rejects t outside (0, 1] and n < 1', () => {
    const alpha = linear().alpha;
    expect(() => nextHittingTime(alpha, 0, 1, 0.5)).toThrow(/t must lie in \(0, 1\]/);
    expect(() => nextHittingTime(alpha, 0.5, 0, 0.5)).toThrow(/n must be an integer >= 1/);
  });
});
