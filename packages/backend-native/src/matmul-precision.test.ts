import { withMatMulPrecision } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bf16Instructions } from './matmul-precision';
import {
  type Case,
  caseOperands,
  everyTranspose,
  randomValues,
  reference,
} from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import {
  NATIVE_BACKEND,
  nativeBackendInfo,
  resolveMatMulPrecision,
  setMatMulPrecision,
} from './register-native-backend';

// bf16 products round each float32 input to bfloat16 (8 significant bits: off by at most 2^-8 of
// itself), so a product term is off by at most (2^-7 + 2^-16) of |a b|, and float32 accumulation
// adds (k + 2) 2^-24: |c - c_exact| <= (2^-7 + 2^-16 + (k + 2) 2^-24) sum_p |a_ip b_pj|.
const bf16Bound = (abs: number, k: number) => (2 ** -7 + 2 ** -16 + (k + 2) * 2 ** -24) * abs + 1e-30;

const bf16Result = nativeAvailable ? setMatMulPrecision('bf16') : null;
const dnnlAvailable = bf16Result?.ok === true;
if (bf16Result != null && !bf16Result.ok) console.warn(`${bf16Result.notice}: bf16 product tests skipped`);
if (nativeAvailable) setMatMulPrecision('fp32');

/** Product calls of at least 2^26 flops, so they take oneDNN's path: every transpose, batches, broadcasts. */
const cases: Case[] = [
  ...everyTranspose(520, 300, 450),
  { aShape: [3, 260, 400], bShape: [3, 400, 330], transposeA: false, transposeB: false },
  { aShape: [2, 400, 256], bShape: [256, 400], transposeA: false, transposeB: false },
  { aShape: [2, 300, 400], bShape: [1, 310, 300], transposeA: true, transposeB: true },
  // attention's shape: many small products that count together
  { aShape: [8, 4, 256, 64], bShape: [8, 4, 256, 64], transposeA: false, transposeB: true },
];

describe.runIf(dnnlAvailable)('bf16 matrix products (oneDNN)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
    expect(setMatMulPrecision('bf16')).toMatchObject({ ok: true, precision: 'bf16' });
  });
  afterAll(async () => {
    setMatMulPrecision('fp32');
    await tf.setBackend('wasm');
  });

  it.each(cases.map((c, i) => [i, c] as const))(
    'case %i is within the bf16 bound of a float64 reference, and visibly rounded',
    (i, c) => {
      const [av, bv] = caseOperands(c, 3000 + i);
      const ref = reference(c, av, bv);
      const before = tf.memory().numTensors;
      const got = tf.tidy(() =>
        tf.matMul(tf.tensor(av, c.aShape), tf.tensor(bv, c.bShape), c.transposeA, c.transposeB).dataSync(),
      );
      let worst = 0;
      let beyondFloat32 = 0;
      for (let j = 0; j < got.length; j++) {
        const error = Math.abs(got[j]! - ref.values[j]!);
        worst = Math.max(worst, error / bf16Bound(ref.abs[j]!, ref.k));
        if (error > ref.bound[j]!) beyondFloat32++;
      }
      expect(worst).toBeLessThanOrEqual(1);
      // bf16 really ran: most outputs are further from the exact value than float32 could be
      expect(beyondFloat32).toBeGreaterThan(got.length / 2);
      expect(nativeBackendInfo()?.dnnl.kernel).toMatch(/\w/);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('bias and activation (_FusedMatMul) are applied to the bf16 product', () => {
    const [m, n, k] = [400, 300, 600];
    const av = randomValues(m * k, 7);
    const bv = randomValues(k * n, 8);
    const bias = randomValues(n, 9);
    const ref = reference({ aShape: [m, k], bShape: [k, n], transposeA: false, transposeB: false }, av, bv);
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
    for (let j = 0; j < got.length; j++) {
      const exact = Math.max(0, ref.values[j]! + bias[j % n]!);
      expect(Math.abs(got[j]! - exact)).toBeLessThanOrEqual(
        bf16Bound(ref.abs[j]!, k) + 2 ** -23 * Math.abs(exact),
      );
    }
  });

  it('gradients (both backward products) are within the bf16 bound', () => {
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
      expect(Math.abs(grad[j]! - ref.values[j]!)).toBeLessThanOrEqual(bf16Bound(ref.abs[j]!, ref.k));
  });

  it('small product calls stay float32 (faster there): a 16 x 16 x 16 product meets the float32 bound', () => {
    const c: Case = { aShape: [16, 16], bShape: [16, 16], transposeA: false, transposeB: false };
    const av = randomValues(256, 21);
    const bv = randomValues(256, 22);
    const ref = reference(c, av, bv);
    const got = tf.tidy(() => tf.matMul(tf.tensor2d(av, [16, 16]), tf.tensor2d(bv, [16, 16])).dataSync());
    for (let j = 0; j < got.length; j++)
      expect(Math.abs(got[j]! - ref.values[j]!)).toBeLessThanOrEqual(ref.bound[j]!);
  });

  it('withMatMulPrecision overrides the backend precision for the products inside it, and only those', () => {
    const c: Case = { aShape: [520, 450], bShape: [450, 300], transposeA: false, transposeB: false };
    const av = randomValues(520 * 450, 41);
    const bv = randomValues(450 * 300, 42);
    const ref = reference(c, av, bv);
    const product = () =>
      tf.tidy(() => tf.matMul(tf.tensor2d(av, [520, 450]), tf.tensor2d(bv, [450, 300])).dataSync());
    const beyondFloat32 = (got: Float32Array | Int32Array | Uint8Array) =>
      got.filter((x, j) => Math.abs(x - ref.values[j]!) > ref.bound[j]!).length;
    const withinBf16 = (got: Float32Array | Int32Array | Uint8Array) =>
      got.every((x, j) => Math.abs(x - ref.values[j]!) <= bf16Bound(ref.abs[j]!, ref.k));
    // the backend in bf16 (beforeAll): a fp32 request gives float32 products
    const asFloat32 = withMatMulPrecision('fp32', product);
    expect(beyondFloat32(asFloat32)).toBe(0);
    expect(beyondFloat32(product())).toBeGreaterThan(asFloat32.length / 2);
    setMatMulPrecision('fp32');
    try {
      for (const requested of ['bf16', 'auto'] as const) {
        const got = withMatMulPrecision(requested, product);
        expect(withinBf16(got)).toBe(true);
        expect(beyondFloat32(got)).toBeGreaterThan(got.length / 2);
      }
      expect(beyondFloat32(product())).toBe(0);
      expect(resolveMatMulPrecision('bf16')).toMatchObject({ ok: true, precision: 'bf16' });
      expect(nativeBackendInfo()?.precision).toBe('fp32');
    } finally {
      setMatMulPrecision('bf16');
    }
  });

  it('fp32 again gives float32 products', () => {
    setMatMulPrecision('fp32');
    try {
      const c: Case = { aShape: [520, 450], bShape: [450, 300], transposeA: false, transposeB: false };
      const av = randomValues(520 * 450, 31);
      const bv = randomValues(450 * 300, 32);
      const ref = reference(c, av, bv);
      const got = tf.tidy(() =>
        tf.matMul(tf.tensor2d(av, [520, 450]), tf.tensor2d(bv, [450, 300])).dataSync(),
      );
      for (let j = 0; j < got.length; j++)
        expect(Math.abs(got[j]! - ref.values[j]!)).toBeLessThanOrEqual(ref.bound[j]!);
    } finally {
      setMatMulPrecision('bf16');
    }
  });
});

describe('bf16 multiply instructions', () => {
  it('are read from the flags line of /proc/cpuinfo', () => {
    const cpuinfo = (flags: string) =>
      `processor\t: 0\nmodel name\t: X\nflags\t\t: ${flags}\nbugs\t\t: amx_bf16\n`;
    expect(bf16Instructions(cpuinfo('fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile'))).toEqual([
      'amx_bf16',
      'avx512_bf16',
    ]);
    expect(bf16Instructions(cpuinfo('fpu avx2 avx512f avx512_bf16'))).toEqual(['avx512_bf16']);
    expect(bf16Instructions(cpuinfo('fpu fma avx avx2 sha_ni'))).toEqual([]); // an AVX2 Zen 1
    expect(bf16Instructions('')).toEqual([]);
  });
});

describe.runIf(nativeAvailable)("'auto' precision", () => {
  afterAll(() => {
    setMatMulPrecision('fp32');
  });

  it('is bf16 exactly where the CPU has bf16 instructions and oneDNN has a product for it, and says why', () => {
    const cpu = bf16Instructions();
    const result = setMatMulPrecision('auto');
    expect(result.ok).toBe(true);
    expect(result.precision).toBe(cpu.length > 0 && dnnlAvailable ? 'bf16' : 'fp32');
    expect(nativeBackendInfo()?.precision).toBe(result.precision);
    expect(result.ok && result.reason).toMatch(
      cpu.length > 0 ? /./ : /this CPU has no bf16 multiply instructions \(amx_bf16, avx512_bf16\)/,
    );
  });
});
