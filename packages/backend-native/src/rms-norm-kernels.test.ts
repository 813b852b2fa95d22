import { RMS_NORM_GRAD_KERNEL, RMS_NORM_KERNEL } from '@md4/core';
import { rmsNormGradReference, rmsNormReference } from '@md4/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues, relativeError } from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

describe.runIf(nativeAvailable)('native RMS-norm kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  const run = (xv: Float32Array, scalev: Float32Array, dyv: Float32Array, rows: number, d: number) => {
    const [x, scale, dy] = [tf.tensor2d(xv, [rows, d]), tf.tensor1d(scalev), tf.tensor2d(dyv, [rows, d])];
    const before = tf.memory().numTensors;
    const attrs = { eps: 1e-5 };
    const [y, r] = tf.engine().runKernel(RMS_NORM_KERNEL, { x, scale }, attrs) as tf.Tensor[];
    const [dx, dScale] = tf
      .engine()
      .runKernel(RMS_NORM_GRAD_KERNEL, { dy, x, scale, r: r! }, attrs) as tf.Tensor[];
    const values = [y!, r!, dx!, dScale!].map((t) => t.dataSync() as Float32Array);
    tf.dispose([y!, r!, dx!, dScale!]);
    const leaked = tf.memory().numTensors - before;
    tf.dispose([x, scale, dy]);
    const [yOut, rOut, dxOut, dScaleOut] = values as [Float32Array, Float32Array, Float32Array, Float32Array];
    return { y: yOut, r: rOut, dx: dxOut, dScale: dScaleOut, leaked };
  };

  // odd widths (a 16-lane tail), fewer rows than one block of the dScale sum, several blocks and a
  // partial last one, a large offset (no centring: r follows the offset)
  for (const [rows, d, offset] of [
    [7, 37, 0],
    [5, 128, 4],
    [600, 70, 0],
    [1, 1, 0.5],
  ] as const) {
    it(`match the float64 reference in value, r and gradients (${rows} rows, d ${d}, offset ${offset})`, () => {
      const xv = randomValues(rows * d, d).map((v) => v * 2 + offset);
      const scalev = randomValues(d, d + 1);
      const dyv = randomValues(rows * d, d + 3);
      const out = run(xv, scalev, dyv, rows, d);
      const ref = rmsNormReference(xv, scalev, 1e-5);
      const grad = rmsNormGradReference(xv, scalev, dyv, 1e-5);
      // float32 sums of d terms (and of the rows for dScale): a few 1e-7 relative
      expect(relativeError(out.y, ref.y)).toBeLessThan(2e-6);
      expect(relativeError(out.r, ref.r)).toBeLessThan(2e-6);
      expect(relativeError(out.dx, grad.dx)).toBeLessThan(4e-6);
      expect(relativeError(out.dScale, grad.dScale)).toBeLessThan(4e-6);
      expect(out.leaked).toBe(0);
    });
  }

  it("dScale's sum is the same bits from call to call (fixed blocks of rows, however the pool hands them out)", () => {
    const [rows, d] = [3000, 64];
    const xv = randomValues(rows * d, 1);
    const scalev = randomValues(d, 2);
    const dyv = randomValues(rows * d, 3);
    const first = run(xv, scalev, dyv, rows, d).dScale;
    for (let i = 0; i < 4; i++) expect(run(xv, scalev, dyv, rows, d).dScale).toEqual(first);
  });

  it('refuses a scale that does not fit x, naming the shapes', () => {
    const x = tf.zeros([6, 4]);
    const wrong = tf.zeros([5]);
    expect(() => tf.engine().runKernel(RMS_NORM_KERNEL, { x, scale: wrong }, { eps: 1e-5 })).toThrow(
      /Md4RmsNorm: scale must be float32 \[4\], got float32 \[5\]/,
    );
    tf.dispose([x, wrong]);
  });
});
