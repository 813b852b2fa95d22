import { GELU_TANH_CONSTANTS, GELU_TANH_GRAD_KERNEL, GELU_TANH_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

const n = 50_003;
const { k, c } = GELU_TANH_CONSTANTS;

/** float64 GELU (tanh approximation) and its derivative. */
function gelu64(x: number): { y: number; slope: number; s: number; u: number } {
  const u = 2 * k * (x + c * x ** 3);
  const s = 1 / (1 + Math.exp(-u));
  return { y: x * s, slope: s + x * s * (1 - s) * (6 * c * k * x * x + 2 * k), s, u };
}

describe.runIf(nativeAvailable)('native tanh-GELU kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('forward and gradient equal the composed ops bit for bit (large inputs saturate too)', () => {
    const x = tf.tensor1d(randomValues(n, 1).map((v, i) => (i % 101 === 0 ? v * 60 : v * 4)));
    const dy = tf.tensor1d(randomValues(n, 2));
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => (tf.engine().runKernel(GELU_TANH_KERNEL, { x }) as tf.Tensor).dataSync());
    const dx = tf.tidy(() =>
      (tf.engine().runKernel(GELU_TANH_GRAD_KERNEL, { dy, x }) as tf.Tensor).dataSync(),
    );
    expect(tf.memory().numTensors).toBe(before);
    // the ops of @md4/models' composed geluTanh, in its order
    const composed = tf.tidy(() => {
      const x2 = tf.square(x);
      const s = tf.sigmoid(tf.mul(tf.mul(x, tf.add(tf.mul(x2, c), 1)), 2 * k));
      const slope = tf.add(
        s,
        tf.mul(tf.mul(tf.mul(x, s), tf.sub(1, s)), tf.add(tf.mul(x2, 6 * c * k), 2 * k)),
      );
      return [tf.mul(x, s), tf.mul(dy, slope)].map((t) => t.dataSync());
    });
    expect(y).toEqual(composed[0]);
    expect(dx).toEqual(composed[1]);
    // and against float64: u takes 5 roundings and the sigmoid ~2 ulp, so y is within
    // (5 (1 - s) |u| + 4) ulp of itself; the slope's two terms each within (5 (1 - s) |u| + 12) ulp
    // of their size (they cancel where the slope crosses 0, near x = -0.75), plus s's own rounding
    // carried by 1 - s into the second term
    const [xv, dyv] = [x.dataSync(), dy.dataSync()];
    const ulp = 2 ** -24;
    for (let i = 0; i < n; i += 97) {
      const e = gelu64(xv[i]!);
      const spread = 5 * (1 - e.s) * Math.abs(e.u);
      expect(Math.abs(y[i]! - e.y)).toBeLessThanOrEqual((spread + 4) * ulp * Math.abs(e.y) + 1e-37);
      const second = Math.abs(e.slope - e.s);
      // 1 - s loses s's rounding (2^-24 absolute, large relative to 1 - s where s is near 1)
      const oneMinusS = 2 * Math.abs(xv[i]!) * e.s * (6 * c * k * xv[i]! ** 2 + 2 * k);
      const bound = ((spread + 12) * (e.s + second) + oneMinusS) * ulp * Math.abs(dyv[i]!);
      expect(Math.abs(dx[i]! - dyv[i]! * e.slope)).toBeLessThanOrEqual(bound + 1e-37);
    }
    tf.dispose([x, dy]);
  });

  it('is the derivative of its forward (central differences in float64 of the float64 formula agree)', () => {
    // the gradient kernel at a few points against (gelu(x + h) - gelu(x - h)) / 2h of the float64 formula
    const points = [-6, -3, -0.75, -0.1, 0, 0.3, 1, 2.5, 7];
    const x = tf.tensor1d(points);
    const ones = tf.onesLike(x);
    const dx = tf.tidy(() =>
      (tf.engine().runKernel(GELU_TANH_GRAD_KERNEL, { dy: ones, x }) as tf.Tensor).dataSync(),
    );
    const h = 1e-5;
    points.forEach((p, i) => {
      const p32 = Math.fround(p);
      const numeric = (gelu64(p32 + h).y - gelu64(p32 - h).y) / (2 * h);
      expect(Math.abs(dx[i]! - numeric)).toBeLessThan(1e-5);
    });
    tf.dispose([x, ones]);
  });

  it('refuses inputs of different shapes', () => {
    const a = tf.zeros([3]);
    const b = tf.zeros([4]);
    expect(() => tf.engine().runKernel(GELU_TANH_GRAD_KERNEL, { dy: a, x: b })).toThrow(/one shape/);
    tf.dispose([a, b]);
  });
});
