import { ADAMW_UPDATE_KERNEL, EMA_UPDATE_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

const n = 70_001; // several threads' chunks and an odd tail
const attrs = (over: Partial<Record<string, number>> = {}) => ({
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  lr: 3e-4,
  weightDecay: 0.03,
  biasCorrection1: 1 - 0.9 ** 7,
  biasCorrection2: 1 - 0.999 ** 7,
  gradScale: 0.37,
  ...over,
});

/** The AdamW update composed from tfjs ops, as @md4/models writes it where no fused kernel exists. */
function composedAdamW(
  p: tf.Tensor,
  g0: tf.Tensor,
  m0: tf.Tensor,
  v0: tf.Tensor,
  a: ReturnType<typeof attrs>,
) {
  return tf.tidy(() => {
    const g = a.gradScale === 1 ? g0 : tf.mul(g0, a.gradScale);
    const m = tf.add(tf.mul(m0, a.beta1), tf.mul(g, 1 - a.beta1));
    const v = tf.add(tf.mul(v0, a.beta2), tf.mul(tf.square(g), 1 - a.beta2));
    const denom = tf.add(tf.sqrt(tf.div(v, a.biasCorrection2)), a.eps);
    const update = tf.div(tf.div(m, a.biasCorrection1), denom);
    const decayed = a.weightDecay > 0 ? tf.mul(p, 1 - a.lr * a.weightDecay) : p;
    return [tf.sub(decayed, tf.mul(update, a.lr)), m, v].map((t) => t.dataSync());
  });
}

describe.runIf(nativeAvailable)('fused optimizer kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each([
    ['clipped, decayed', attrs()],
    ['unscaled, no decay', attrs({ gradScale: 1, weightDecay: 0 })],
  ])('AdamW (%s) equals the composed ops bit for bit, and a float64 evaluation closely', (_, a) => {
    const values = [1, 2, 3, 4].map((seed) => randomValues(n, 100 + seed));
    values[3] = values[3]!.map((x) => Math.abs(x) * 1e-3); // v >= 0
    const [p, g, m, v] = values.map((x) => tf.tensor1d(x));
    const before = tf.memory().numTensors;
    const fused = tf.tidy(() =>
      (
        tf.engine().runKernel(ADAMW_UPDATE_KERNEL, { param: p!, grad: g!, m: m!, v: v! }, a) as tf.Tensor[]
      ).map((t) => t.dataSync()),
    );
    expect(tf.memory().numTensors).toBe(before);
    const composed = composedAdamW(p!, g!, m!, v!, a);
    for (let k = 0; k < 3; k++) expect(fused[k]).toEqual(composed[k]);
    const [pv, gv, mv, vv] = values;
    for (let i = 0; i < n; i += 997) {
      const gi = gv![i]! * a.gradScale;
      const mi = a.beta1 * mv![i]! + (1 - a.beta1) * gi;
      const vi = a.beta2 * vv![i]! + (1 - a.beta2) * gi * gi;
      const step = mi / a.biasCorrection1 / (Math.sqrt(vi / a.biasCorrection2) + a.eps);
      const exact = pv![i]! * (1 - a.lr * a.weightDecay) - a.lr * step;
      expect(fused[1]![i]).toBeCloseTo(mi, 6);
      expect(Math.abs(fused[0]![i]! - exact)).toBeLessThanOrEqual(
        1e-6 * (Math.abs(pv![i]!) + a.lr * Math.abs(step)) + 1e-12,
      );
    }
    tf.dispose([p!, g!, m!, v!]);
  });

  it('EMA equals shadow * decay + param * (1 - decay) as the composed ops compute it', () => {
    const s = tf.tensor1d(randomValues(n, 7));
    const p = tf.tensor1d(randomValues(n, 8));
    const before = tf.memory().numTensors;
    const fused = tf.tidy(() =>
      (
        tf.engine().runKernel(EMA_UPDATE_KERNEL, { shadow: s, param: p }, { decay: 0.999 }) as tf.Tensor
      ).dataSync(),
    );
    expect(tf.memory().numTensors).toBe(before);
    const composed = tf.tidy(() => tf.add(tf.mul(s, 0.999), tf.mul(p, 1 - 0.999)).dataSync());
    expect(fused).toEqual(composed);
    tf.dispose([s, p]);
  });

  it('refuses inputs of different shapes', () => {
    const a = tf.zeros([3]);
    const b = tf.zeros([4]);
    expect(() => tf.engine().runKernel(EMA_UPDATE_KERNEL, { shadow: a, param: b }, { decay: 0.5 })).toThrow(
      /every input must be float32 of one shape/,
    );
    tf.dispose([a, b]);
  });
});
