import { describe, expect, it } from 'vitest';
import { rmsNormGradReference, rmsNormReference } from './rms-norm-reference';

const values = (n: number, seed: number) =>
  Float64Array.from({ length: n }, (_, i) => Math.sin(seed * 31.7 + i * 7.31) * 1.5);
const eps = 1e-5;
const [x, scale, dy] = [values(6 * 5, 1), values(5, 2), values(6 * 5, 3)];

describe('RMS norm reference (float64)', () => {
  it('gives each row a mean square of 1 / (1 + eps r^2) before the scale', () => {
    const { y, r } = rmsNormReference(
      x,
      Float64Array.from({ length: 5 }, () => 1),
      eps,
    );
    for (let i = 0; i < 6; i++) {
      const meanSquare = y.subarray(i * 5, i * 5 + 5).reduce((s, v) => s + v * v, 0) / 5;
      expect(meanSquare).toBeCloseTo(1 - eps * r[i]! ** 2, 12);
    }
  });

  it('its gradients equal central finite differences of sum(dy * y)', () => {
    const grads = rmsNormGradReference(x, scale, dy, eps);
    const loss = (xs: Float64Array, sc: Float64Array) =>
      rmsNormReference(xs, sc, eps).y.reduce((s, v, i) => s + v * dy[i]!, 0);
    const h = 1e-6;
    const inputs = [x, scale];
    const expected = [grads.dx, grads.dScale];
    inputs.forEach((input, which) => {
      for (let i = 0; i < input.length; i++) {
        const at = (delta: number) => {
          const moved = inputs.map((t) => Float64Array.from(t));
          moved[which]![i]! += delta;
          return loss(moved[0]!, moved[1]!);
        };
        expect(Math.abs(expected[which]![i]! - (at(h) - at(-h)) / (2 * h))).toBeLessThan(1e-7);
      }
    });
  });
});
