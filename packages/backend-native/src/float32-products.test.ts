import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddon, type NativeAddon } from './addon';
import { applyFloat32Products, FLOAT32_ONEDNN_MIN_FLOPS } from './float32-products';
import {
  type Case,
  caseOperands,
  everyTranspose,
  productFlops,
  randomValues,
  reference,
  worstBoundRatio,
} from './matmul-reference.test-helper';
import { nativeAvailable, nativeStatus } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

const addon: NativeAddon | null = (() => {
  if (!nativeAvailable) return null;
  const loaded = loadAddon();
  return 'error' in loaded ? null : loaded.addon;
})();
const onednn = addon == null ? null : applyFloat32Products(addon, 'onednn');
const onednnAvailable = onednn?.library === 'onednn';
if (onednn != null && !onednnAvailable)
  console.warn(`${onednn.reason}: oneDNN float32 product tests skipped`);

/** Product calls of at least 2^26 flops (oneDNN's from there): every transpose, batches, broadcasts. */
const cases: Case[] = [
  ...everyTranspose(521, 301, 449),
  { aShape: [3, 261, 400], bShape: [3, 400, 331], transposeA: false, transposeB: false },
  { aShape: [2, 400, 257], bShape: [257, 400], transposeA: false, transposeB: false },
  { aShape: [300, 257], bShape: [2, 257, 400], transposeA: false, transposeB: false },
  { aShape: [2, 300, 400], bShape: [1, 310, 300], transposeA: true, transposeB: true },
  // broadcast over two batch dimensions, [2, 1] against [1, 3]: a call per product, each over 2^26
  { aShape: [2, 1, 400, 300], bShape: [1, 3, 350, 300], transposeA: false, transposeB: true },
];

describe.runIf(onednnAvailable)('float32 products through oneDNN', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    applyFloat32Products(addon!, nativeStatus.float32Products?.library ?? 'auto');
    await tf.setBackend('wasm');
  });

  it.each(cases.map((c, i) => [i, c] as const))(
    'case %i is within the float32 summation bound of a float64 reference with oneDNN and with the BLAS',
    (i, c) => {
      expect(productFlops(c)).toBeGreaterThanOrEqual(FLOAT32_ONEDNN_MIN_FLOPS);
      const [av, bv] = caseOperands(c, 5000 + i);
      const ref = reference(c, av, bv);
      for (const library of ['onednn', 'blas'] as const) {
        expect(applyFloat32Products(addon!, library).library).toBe(library);
        const calls = addon!.info().dnnl.float32Products;
        const before = tf.memory().numTensors;
        const got = tf.tidy(() =>
          tf.matMul(tf.tensor(av, c.aShape), tf.tensor(bv, c.bShape), c.transposeA, c.transposeB).dataSync(),
        );
        expect(worstBoundRatio(got, ref)).toBeLessThanOrEqual(1);
        expect(tf.memory().numTensors).toBe(before);
        // oneDNN computed it exactly when asked to
        const oneDnnCalls = addon!.info().dnnl.float32Products - calls;
        if (library === 'onednn') expect(oneDnnCalls).toBeGreaterThan(0);
        else expect(oneDnnCalls).toBe(0);
      }
    },
  );

  it('bias and activation (_FusedMatMul) are applied to its product', () => {
    applyFloat32Products(addon!, 'onednn');
    const [m, n, k] = [400, 300, 600];
    const av = randomValues(m * k, 7);
    const bv = randomValues(k * n, 8);
    const bias = randomValues(n, 9);
    const ref = reference({ aShape: [m, k], bShape: [k, n], transposeA: false, transposeB: false }, av, bv);
    const calls = addon!.info().dnnl.float32Products;
    const got = tf.tidy(() =>
      tf.fused
        .matMul({
          a: tf.tensor2d(av, [m, k]),
          b: tf.tensor2d(bv, [k, n]),
          bias: tf.tensor1d(bias),
          activation: 'relu',
        })
        .dataSync(),
    );
    expect(addon!.info().dnnl.float32Products).toBe(calls + 1);
    for (let j = 0; j < got.length; j++) {
      const exact = Math.max(0, ref.values[j]! + bias[j % n]!);
      // the bias added last: one more rounding of the sum
      expect(Math.abs(got[j]! - exact)).toBeLessThanOrEqual(ref.bound[j]! + 2 ** -23 * Math.abs(exact));
    }
  });

  it('gradients (both backward products) are within the float32 bound', () => {
    applyFloat32Products(addon!, 'onednn');
    // f(A) = sum(W * (A B)), so df/dA = W B^T: a product with inner dimension n.
    const [m, n, k] = [400, 384, 600];
    const av = randomValues(m * k, 11);
    const bv = randomValues(k * n, 12);
    const wv = randomValues(m * n, 13);
    const grad = tf.tidy(() => {
      const b = tf.tensor2d(bv, [k, n]);
      const w = tf.tensor2d(wv, [m, n]);
      return tf
        .grad((a: tf.Tensor) => tf.sum(tf.mul(w, tf.matMul(a as tf.Tensor2D, b))))(tf.tensor2d(av, [m, k]))
        .dataSync();
    });
    const ref = reference({ aShape: [m, n], bShape: [k, n], transposeA: false, transposeB: true }, wv, bv);
    for (let j = 0; j < grad.length; j++)
      expect(Math.abs(grad[j]! - ref.values[j]!)).toBeLessThanOrEqual(ref.bound[j]!);
  });

  it('products under the threshold stay on the BLAS', () => {
    applyFloat32Products(addon!, 'onednn');
    const calls = addon!.info().dnnl.float32Products;
    // 2 x 256 x 256 x 255 flops: just under 2^25
    const out = tf.tidy(() => tf.matMul(tf.ones([256, 255]), tf.ones([255, 256])).dataSync());
    expect(out.every((x) => x === 255)).toBe(true);
    expect(addon!.info().dnnl.float32Products).toBe(calls);
  });
});

describe.runIf(addon != null)('the float32 product library', () => {
  afterAll(() => {
    applyFloat32Products(addon!, nativeStatus.float32Products?.library ?? 'auto');
  });

  it("'blas' keeps every product on the BLAS", () => {
    expect(applyFloat32Products(addon!, 'blas')).toEqual({ library: 'blas', reason: 'asked for' });
    expect(addon!.info().float32Products).toBe('blas');
  });

  it("'auto' is oneDNN exactly where its float32 kernel is an AVX-512 brgemm, and says why", () => {
    const result = applyFloat32Products(addon!, 'auto');
    expect(addon!.info().float32Products).toBe(result.library);
    const kernel = addon!.info().dnnl.float32Kernel;
    if (/^brg:avx512/.test(kernel)) {
      expect(result).toEqual({
        library: 'onednn',
        kernel,
        reason: `oneDNN's float32 kernel here is ${kernel}`,
      });
    } else {
      expect(result.library).toBe('blas');
      expect(result.reason).toMatch(onednnAvailable ? /is not an AVX-512 brgemm/ : /oneDNN/);
    }
  });

  it('registration reports what it chose', () => {
    expect(nativeStatus.float32Products?.library).toMatch(/^(blas|onednn)$/);
    expect(nativeStatus.float32Products?.reason).toMatch(/\w/);
  });
});
