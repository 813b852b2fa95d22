import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddon } from './addon';
import { blasLibraryCandidates } from './blas-libraries';
import {
  type Case,
  caseOperands,
  everyTranspose,
  randomValues,
  reference,
  worstBoundRatio,
} from './matmul-reference.test-helper';
import { nativeAvailable, nativeStatus as status } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

const cases: Case[] = [];
// Odd sizes, every transpose combination, plain and batched.
for (const [m, n, k] of [
  [1, 1, 1],
  [3, 5, 7],
  [17, 1, 33],
  [1, 19, 2],
  [65, 129, 31],
  [100, 37, 256],
] as const) {
  cases.push(...everyTranspose(m, n, k), ...everyTranspose(m, n, k, [3]));
}
// Products big enough (> 4 Mflop) to be cut in panels over the threads: by rows and by columns.
cases.push(...everyTranspose(301, 67, 129), ...everyTranspose(70, 300, 129));
// Attention-like batches (per-head products), and broadcasting of the batch dimensions.
cases.push(
  { aShape: [2, 4, 33, 16], bShape: [2, 4, 33, 16], transposeA: false, transposeB: true },
  { aShape: [2, 4, 33, 33], bShape: [2, 4, 33, 16], transposeA: false, transposeB: false },
  { aShape: [2, 4, 33, 33], bShape: [2, 4, 33, 16], transposeA: true, transposeB: false },
  { aShape: [1, 5, 6], bShape: [4, 6, 3], transposeA: false, transposeB: false },
  { aShape: [4, 5, 6], bShape: [6, 3], transposeA: false, transposeB: false },
  { aShape: [3, 7, 6], bShape: [5, 6], transposeA: false, transposeB: true },
  { aShape: [2, 2, 100, 64], bShape: [64, 300], transposeA: false, transposeB: false },
  { aShape: [4, 6, 5], bShape: [6, 3], transposeA: true, transposeB: false },
  { aShape: [5, 6], bShape: [2, 3, 6, 7], transposeA: false, transposeB: false },
  { aShape: [2, 1, 5, 6], bShape: [1, 3, 7, 6], transposeA: false, transposeB: true },
);

describe.runIf(nativeAvailable)('native matMul kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  it.each(cases.map((c, i) => [i, c] as const))(
    'case %i matches a float64 reference within the float32 summation bound',
    (i, c) => {
      const [av, bv] = caseOperands(c, 1000 + i);
      const ref = reference(c, av, bv);
      const before = tf.memory().numTensors;
      const a = tf.tensor(av, c.aShape);
      const b = tf.tensor(bv, c.bShape);
      const out = tf.matMul(a, b, c.transposeA, c.transposeB);
      expect(out.shape).toEqual(ref.shape);
      const got = out.dataSync();
      expect(worstBoundRatio(got, ref)).toBeLessThanOrEqual(1);
      tf.dispose([a, b, out]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('splits products the same way with the BLAS threads and with the addon pool (both modes)', () => {
    const loaded = loadAddon();
    if ('error' in loaded) throw new Error(loaded.error);
    const { addon } = loaded;
    const c: Case = { aShape: [2, 160, 133], bShape: [2, 133, 97], transposeA: false, transposeB: false };
    const av = randomValues(2 * 160 * 133, 5);
    const bv = randomValues(2 * 133 * 97, 6);
    const ref = reference(c, av, bv);
    const { poolSplit } = addon.info();
    try {
      for (const mode of [0, 1]) {
        // threads 2, batches never split (so each product is cut in panels in mode 1)
        addon.init(blasLibraryCandidates(), 2, 0, true, mode);
        expect(addon.info().poolSplit).toBe(mode === 1);
        const got = tf.tidy(() =>
          tf.matMul(tf.tensor3d(av, [2, 160, 133]), tf.tensor3d(bv, [2, 133, 97])).dataSync(),
        );
        for (let j = 0; j < got.length; j++)
          expect(Math.abs(got[j]! - ref.values[j]!)).toBeLessThanOrEqual(ref.bound[j]!);
      }
    } finally {
      addon.init(blasLibraryCandidates(), status.threads, 2 ** 26, true, poolSplit ? 1 : 0);
    }
  });

  it('gives zeros for an empty inner dimension and an empty output for an empty outer one', () => {
    const z = tf.matMul(tf.zeros([3, 0]), tf.zeros([0, 2]));
    expect(Array.from(z.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    const e = tf.matMul(tf.zeros([0, 4]), tf.ones([4, 2]));
    expect(e.shape).toEqual([0, 2]);
    tf.dispose([z, e]);
  });

  it('rejects mismatched inner dimensions with tfjs error text', () => {
    const a = tf.zeros([2, 3]);
    const b = tf.zeros([4, 2]);
    expect(() => tf.matMul(a, b)).toThrow(/inner shapes \(3\) and \(4\)/);
    tf.dispose([a, b]);
  });

  it('fused matMul with bias and each activation matches the reference', () => {
    const m = 7;
    const k = 13;
    const n = 5;
    const av = randomValues(m * k, 7);
    const bv = randomValues(k * n, 8);
    const biasv = randomValues(n, 9);
    const ref = reference({ aShape: [m, k], bShape: [k, n], transposeA: false, transposeB: false }, av, bv);
    const acts: Record<string, (x: number) => number> = {
      linear: (x) => x,
      relu: (x) => Math.max(x, 0),
      relu6: (x) => Math.min(Math.max(x, 0), 6),
      sigmoid: (x) => 1 / (1 + Math.exp(-x)),
      leakyrelu: (x) => (x > 0 ? x : 0.1 * x),
      elu: (x) => (x > 0 ? x : Math.expm1(x)),
    };
    const before = tf.memory().numTensors;
    const a = tf.tensor2d(av, [m, k]);
    const b = tf.tensor2d(bv, [k, n]);
    const bias = tf.tensor1d(biasv);
    for (const [name, f] of Object.entries(acts)) {
      const out = tf.fused.matMul({
        a,
        b,
        bias,
        activation: name as tf.fused.Activation,
        leakyreluAlpha: 0.1,
      });
      const got = out.dataSync();
      for (let j = 0; j < got.length; j++) {
        const want = f(ref.values[j]! + biasv[j % n]!);
        expect(Math.abs(got[j]! - want)).toBeLessThan(1e-5);
      }
      out.dispose();
    }
    tf.dispose([a, b, bias]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gradients through matMul (transposed and batched products) agree with the cpu backend', async () => {
    const av = randomValues(2 * 9 * 6, 11);
    const bv = randomValues(2 * 6 * 4, 12);
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      const a = tf.tensor3d(av, [2, 9, 6]);
      const b = tf.tensor3d(bv, [2, 6, 4]);
      const w = tf.linspace(-1, 1, 2 * 9 * 4).reshape([2, 9, 4]);
      const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), w)));
      const [ga, gb] = g([a, b]);
      const out = [ga!.dataSync().slice(), gb!.dataSync().slice()];
      tf.dispose([a, b, w, ga!, gb!]);
      return out;
    };
    const cpu = await grads('cpu');
    const nat = await grads(NATIVE_BACKEND);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < cpu[i]!.length; j++) expect(Math.abs(nat[i]![j]! - cpu[i]![j]!)).toBeLessThan(1e-5);
    }
  });

  it('wasm and native can be switched back and forth in one process', async () => {
    const av = randomValues(8 * 5, 21);
    const bv = randomValues(5 * 3, 22);
    const ref = reference({ aShape: [8, 5], bShape: [5, 3], transposeA: false, transposeB: false }, av, bv);
    for (const backend of ['wasm', NATIVE_BACKEND, 'wasm', NATIVE_BACKEND]) {
      await tf.setBackend(backend);
      const out = tf.tidy(() => tf.relu(tf.matMul(tf.tensor2d(av, [8, 5]), tf.tensor2d(bv, [5, 3]))));
      const got = out.dataSync();
      for (let j = 0; j < got.length; j++) expect(got[j]).toBeCloseTo(Math.max(ref.values[j]!, 0), 5);
      out.dispose();
    }
  });
});
