import { ROPE_KERNEL } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues } from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

const [B, H, L, hd] = [2, 3, 37, 10];
const half = hd / 2;

/** The rotation composed from tfjs ops, as @md4/models writes it where the kernel is missing. */
function composed(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  const [x0, x1] = tf.unstack(tf.reshape(x, [B, H, L, half, 2]), 4) as [tf.Tensor4D, tf.Tensor4D];
  const y0 = tf.sub(tf.mul(x0, cos), tf.mul(x1, sin));
  const y1 = tf.add(tf.mul(x0, sin), tf.mul(x1, cos));
  return tf.reshape(tf.stack([y0, y1], 4), [B, H, L, hd]);
}

describe.runIf(nativeAvailable)('native rotary-embedding kernel', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it('rotates exactly as the composed ops, and its inverse is their gradient, bit for bit', () => {
    const angles = Float32Array.from(
      { length: L * half },
      (_, i) => (i % L) * 10000 ** (-(2 * Math.floor(i / L)) / hd),
    );
    const cos = tf.tensor2d(angles.map(Math.cos), [L, half]);
    const sin = tf.tensor2d(angles.map(Math.sin), [L, half]);
    const x = tf.tensor4d(randomValues(B * H * L * hd, 1), [B, H, L, hd]);
    const dy = tf.tensor4d(randomValues(B * H * L * hd, 2), [B, H, L, hd]);
    const before = tf.memory().numTensors;
    const fused = tf.tidy(() =>
      (tf.engine().runKernel(ROPE_KERNEL, { x, cos, sin }, { inverse: false }) as tf.Tensor).dataSync(),
    );
    const inverse = tf.tidy(() =>
      (tf.engine().runKernel(ROPE_KERNEL, { x: dy, cos, sin }, { inverse: true }) as tf.Tensor).dataSync(),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(fused).toEqual(tf.tidy(() => composed(x, cos, sin).dataSync()));
    const grad = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(composed(t as tf.Tensor4D, cos, sin), dy)))(x)
        .dataSync(),
    );
    expect(inverse).toEqual(grad);
    // the inverse undoes the rotation
    const back = tf.tidy(() => {
      const y = tf.engine().runKernel(ROPE_KERNEL, { x, cos, sin }, { inverse: false }) as tf.Tensor;
      return (
        tf.engine().runKernel(ROPE_KERNEL, { x: y, cos, sin }, { inverse: true }) as tf.Tensor
      ).dataSync();
    });
    const xs = x.dataSync();
    for (let i = 0; i < xs.length; i++) expect(back[i]).toBeCloseTo(xs[i]!, 6);
    tf.dispose([cos, sin, x, dy]);
  });

  it('refuses tables that do not fit x', () => {
    const x = tf.zeros([1, 1, 4, 6]);
    const table = tf.zeros([4, 2]);
    expect(() =>
      tf.engine().runKernel(ROPE_KERNEL, { x, cos: table, sin: table }, { inverse: false }),
    ).toThrow(/expected float32 x \[\.\.\., L, 2 half\] with cos and sin \[L, half\]/);
    tf.dispose([x, table]);
  });
});
