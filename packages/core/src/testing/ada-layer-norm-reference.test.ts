import { describe, expect, it } from 'vitest';
import { adaLayerNormGradReference, adaLayerNormReference } from './ada-layer-norm-reference';

const values = (n: number, seed: number) =>
  Float64Array.from({ length: n }, (_, i) => Math.sin(seed * 31.7 + i * 7.31) * 1.5);
const shape = { batch: 2, d: 5 };
const eps = 1e-5;
const [x, shift, scale, dy] = [values(6 * 5, 1), values(2 * 5, 2), values(2 * 5, 3), values(6 * 5, 4)];

describe('adaLN reference (float64)', () => {
  it('normalises each row to mean 0 and variance 1 / (1 + eps / var) before the modulation', () => {
    const { n, mean, r } = adaLayerNormReference(x, shift, scale, shape, eps);
    for (let i = 0; i < 6; i++) {
      const row = n.subarray(i * 5, i * 5 + 5);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 12);
      const variance = row.reduce((s, v) => s + v * v, 0) / 5;
      expect(variance).toBeCloseTo(1 - eps * r[i]! ** 2, 12);
      expect(mean[i]).toBeCloseTo(x.subarray(i * 5, i * 5 + 5).reduce((s, v) => s + v, 0) / 5, 12);
    }
  });

  it('its gradients equal central finite differences of sum(dy * y)', () => {
    const grads = adaLayerNormGradReference(x, shift, scale, dy, shape, eps);
    const loss = (xs: Float64Array, sh: Float64Array, sc: Float64Array) =>
      adaLayerNormReference(xs, sh, sc, shape, eps).y.reduce((s, v, i) => s + v * dy[i]!, 0);
    const h = 1e-6;
    const inputs = [x, shift, scale];
    const expected = [grads.dx, grads.dShift, grads.dScale];
    inputs.forEach((input, which) => {
      for (let i = 0; i < input.length; i++) {
        const at = (delta: number) => {
          const moved = inputs.map((t) => Float64Array.from(t));
          moved[which]![i]! += delta;
          return loss(moved[0]!, moved[1]!, moved[2]!);
        };
        expect(Math.abs(expected[which]![i]! - (at(h) - at(-h)) / (2 * h))).toBeLessThan(1e-7);
      }
    });
  });
});
