import { describe, expect, it } from 'vitest';
import { sampleCategorical } from './categorical';
import { createRng, type Rng } from './rng';
import { sampleCategoricalFloat32 } from './sampling-precision';

/** An Rng that returns the given uniforms in turn. */
function scripted(values: number[]): Rng {
  let i = 0;
  const rng: Rng = { uniform: () => values[i++ % values.length]!, fork: () => rng };
  return rng;
}

describe('sampleCategoricalFloat32 (float32 Gumbel-max, for measurement)', () => {
  it('draws each value with its probability where float32 resolves it (chi-square at 3 cells)', () => {
    const p = [0.5, 0.3, 0.2];
    const rng = createRng(12);
    const counts = [0, 0, 0];
    const n = 30_000;
    for (let i = 0; i < n; i++) counts[sampleCategoricalFloat32(p, rng)]!++;
    const chi = counts.reduce((s, c, v) => s + (c - n * p[v]!) ** 2 / (n * p[v]!), 0);
    // 2 degrees of freedom: P(chi2 > 13.8) = 1e-3
    expect(chi).toBeLessThan(13.8);
  });

  it('cannot draw a value below ~3e-9 of the largest, where exact Gumbel-max (and float64) would', () => {
    const p = [1 - 1e-9, 1e-9];
    // u = 0.5 for the large value, u = 1 - 1e-12 for the small: exact arithmetic scores
    // 1/ln 2 = 1.44 against 1e-9 / 1e-12 = 1000, so the small value wins
    const u = [0.5, 1 - 1e-12];
    const exact = p.map((w, v) => w / -Math.log(u[v]!));
    expect(exact[1]).toBeGreaterThan(exact[0]!);
    // float32: u rounds to 1 - 2^-24, -log u = 6e-8, the small value scores 0.017 and loses
    expect(sampleCategoricalFloat32(p, scripted(u))).toBe(0);
    // float64 inverse-CDF draws reach the last 1e-9 of the mass
    expect(sampleCategorical(p, scripted([1 - 1e-10]))).toBe(1);
  });

  it('reads the range [offset, offset + count) and returns -1 for zero weights', () => {
    expect(sampleCategoricalFloat32([5, 0, 0, 1], scripted([0.5]), 1, 2)).toBe(-1);
    expect(sampleCategoricalFloat32([5, 0, 3, 0], scripted([0.5]), 1, 3)).toBe(1);
  });
});
