import { ADA_LAYER_NORM_GRAD_KERNEL, ADA_LAYER_NORM_KERNEL } from '@md4/core';
import { adaLayerNormGradReference, adaLayerNormReference } from '@md4/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues, relativeError } from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

describe.runIf(nativeAvailable)('native adaLN kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  // odd widths (a 16-lane tail), one and several sequences, an offset mean that cancellation would hurt
  for (const [batch, P, d, offset] of [
    [3, 7, 37, 0],
    [1, 5, 128, 4],
    [2, 300, 70, 0],
  ] as const) {
    it(`match the float64 reference in value, mean, r and gradients (B ${batch}, P ${P}, d ${d}, mean ${offset})`, () => {
      const rows = batch * P;
      const xv = randomValues(rows * d, d).map((v) => v * 2 + offset);
      const shiftv = randomValues(batch * d, d + 1);
      const scalev = randomValues(batch * d, d + 2);
      const dyv = randomValues(rows * d, d + 3);
      const [x, shift, scale, dy] = [
        tf.tensor2d(xv, [rows, d]),
        tf.tensor2d(shiftv, [batch, d]),
        tf.tensor2d(scalev, [batch, d]),
        tf.tensor2d(dyv, [rows, d]),
      ];
      const before = tf.memory().numTensors;
      const attrs = { eps: 1e-5 };
      const [y, mean, r] = tf
        .engine()
        .runKernel(ADA_LAYER_NORM_KERNEL, { x, shift, scale }, attrs) as tf.Tensor[];
      const [dx, dShift, dScale] = tf
        .engine()
        .runKernel(ADA_LAYER_NORM_GRAD_KERNEL, { dy, x, scale, mean: mean!, r: r! }, attrs) as tf.Tensor[];
      const ref = adaLayerNormReference(xv, shiftv, scalev, { batch, d }, 1e-5);
      const grad = adaLayerNormGradReference(xv, shiftv, scalev, dyv, { batch, d }, 1e-5);
      // float32 sums of d terms (and of P rows for dShift, dScale): a few 1e-7 relative
      expect(relativeError(y!.dataSync(), ref.y)).toBeLessThan(2e-6);
      expect(relativeError(mean!.dataSync(), ref.mean)).toBeLessThan(1e-6);
      expect(relativeError(r!.dataSync(), ref.r)).toBeLessThan(2e-6);
      expect(relativeError(dx!.dataSync(), grad.dx)).toBeLessThan(4e-6);
      expect(relativeError(dShift!.dataSync(), grad.dShift)).toBeLessThan(2e-6);
      expect(relativeError(dScale!.dataSync(), grad.dScale)).toBeLessThan(4e-6);
      tf.dispose([y!, mean!, r!, dx!, dShift!, dScale!]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, shift, scale, dy]);
    });
  }

  it('refuses per-sequence tensors that do not fit x, naming the shapes', () => {
    const x = tf.zeros([6, 4]);
    const wrong = tf.zeros([4, 4]);
    expect(() =>
      tf.engine().runKernel(ADA_LAYER_NORM_KERNEL, { x, shift: wrong, scale: wrong }, { eps: 1e-5 }),
    ).toThrow(/expected float32 x \[B\*P, d\] with shift and scale \[B, d\], got x \[6,4\], \[4,4\]/);
    tf.dispose([x, wrong]);
  });
});
