import { describe, expect, it } from 'vitest';
import { createRng, restoreRng } from './rng';

/** chi-square 0.999 quantile (Wilson-Hilferty; within 0.5% of the exact value for df >= 5). */
function chiSquareCritical999(df: number): number {
  const z = 3.0902;
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

describe('createRng', () => {
  it('is deterministic for a seed and differs between seeds (including seeds beyond 2^32)', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 50 }, () => rng.uniform());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(1)).not.toEqual(draw(1 + 2 ** 32));
    expect(draw(-1)).not.toEqual(draw(1));
  });

  it('returns floats in [0, 1) with more than 32 random bits', () => {
    const rng = createRng(7);
    let fine = 0;
    for (let i = 0; i < 1000; i++) {
      const u = rng.uniform();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      if (!Number.isInteger(u * 2 ** 32)) fine++;
    }
    expect(fine).toBeGreaterThan(990);
  });

  it('has uniform mean 1/2 and variance 1/12 within 4 standard errors (n = 200000)', () => {
    const rng = createRng(2024);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      sum += u;
      sumSq += u * u;
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    // sd of the sample variance of U(0,1): sqrt((mu4 - sigma^4) / n), mu4 = 1/80.
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(4 * Math.sqrt((1 / 80 - 1 / 144) / n));
  });

  it('passes a chi-square test on 20 equal bins at significance 0.001', () => {
    const rng = createRng(99);
    const bins = 20;
    const n = 100_000;
    const counts = new Float64Array(bins);
    for (let i = 0; i < n; i++) counts[Math.floor(rng.uniform() * bins)]!++;
    const expected = n / bins;
    let chi2 = 0;
    for (const c of counts) chi2 += (c - expected) ** 2 / expected;
    expect(chi2).toBeLessThan(chiSquareCritical999(bins - 1));
  });

  it('draws pairs that are uniform on the unit square (2-D chi-square, 10x10 bins)', () => {
    const rng = createRng(5);
    const n = 100_000;
    const counts = new Float64Array(100);
    for (let i = 0; i < n; i++) {
      counts[Math.floor(rng.uniform() * 10) * 10 + Math.floor(rng.uniform() * 10)]!++;
    }
    let chi2 = 0;
    for (const c of counts) chi2 += (c - n / 100) ** 2 / (n / 100);
    expect(chi2).toBeLessThan(chiSquareCritical999(99));
  });

  it('gives standard normals (mean 0, variance 1 within 4 standard errors)', () => {
    const rng = createRng(11);
    const n = 100_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sumSq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
  });

  it('rejects non-finite seeds', () => {
    expect(() => createRng(Number.NaN)).toThrow(/seed must be a finite number/);
    expect(() => createRng(Number.POSITIVE_INFINITY)).toThrow(/seed/);
  });
});

describe('fork', () => {
  it('is deterministic, advances the parent, and gives a stream that differs from it', () => {
    const a = createRng(3);
    const b = createRng(3);
    const childA = a.fork();
    const childB = b.fork();
    expect(childA.uniform()).toBe(childB.uniform());
    expect(a.uniform()).toBe(b.uniform());
    // A fork consumes two uint32 words, as one uniform does: the parent's third uniform is
    // the plain stream's third.
    const plain = createRng(3);
    plain.uniform();
    plain.uniform();
    expect(a.uniform()).toBe(plain.uniform());
    const second = a.fork();
    expect(second.uniform()).not.toBe(childA.uniform());
  });

  it('gives streams uncorrelated with the parent and with sibling forks (|r| < 4/sqrt(n))', () => {
    const parent = createRng(17);
    const child = parent.fork();
    const sibling = parent.fork();
    const n = 50_000;
    const corr = (x: Float64Array, y: Float64Array) => {
      let sx = 0;
      let sy = 0;
      let sxy = 0;
      let sxx = 0;
      let syy = 0;
      for (let i = 0; i < n; i++) {
        sx += x[i]!;
        sy += y[i]!;
        sxy += x[i]! * y[i]!;
        sxx += x[i]! ** 2;
        syy += y[i]! ** 2;
      }
      const cov = sxy / n - (sx / n) * (sy / n);
      return cov / Math.sqrt((sxx / n - (sx / n) ** 2) * (syy / n - (sy / n) ** 2));
    };
    const p = Float64Array.from({ length: n }, () => parent.uniform());
    const c = Float64Array.from({ length: n }, () => child.uniform());
    const s = Float64Array.from({ length: n }, () => sibling.uniform());
    expect(Math.abs(corr(p, c))).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(corr(c, s))).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(corr(p, s))).toBeLessThan(4 / Math.sqrt(n));
  });
});

describe('getState / restoreRng', () => {
  it('continues the saved stream exactly, forks included', () => {
    const rng = createRng(123);
    for (let i = 0; i < 37; i++) rng.uniform();
    const state = rng.getState();
    expect(state).toHaveLength(4);
    const rest = Array.from({ length: 100 }, () => rng.uniform());
    const forked = rng.fork().uniform();
    const restored = restoreRng(state);
    expect(Array.from({ length: 100 }, () => restored.uniform())).toEqual(rest);
    expect(restored.fork().uniform()).toBe(forked);
    // The state survives JSON (checkpoints).
    const again = restoreRng(JSON.parse(JSON.stringify(state)) as number[]);
    expect(again.uniform()).toBe(rest[0]);
  });

  it('gives uint32s in [0, 2^32)', () => {
    const rng = createRng(8);
    for (let i = 0; i < 1000; i++) {
      const x = rng.nextUint32();
      expect(Number.isInteger(x) && x >= 0 && x < 2 ** 32).toBe(true);
    }
  });

  it('rejects a state that is not four words or is all zero', () => {
    expect(() => restoreRng([1, 2, 3])).toThrow(/four uint32 words/);
    expect(() => restoreRng([0, 0, 0, 0])).toThrow(/not all zero/);
  });
});
