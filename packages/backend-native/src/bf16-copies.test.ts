import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAddon, type NativeAddon } from './addon';
import { randomValues, reference } from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import type { NativeBackend } from './native-backend';
import { NATIVE_BACKEND, nativeBackendInfo, setMatMulPrecision } from './register-native-backend';

const bf16Result = nativeAvailable ? setMatMulPrecision('bf16') : null;
const dnnlAvailable = bf16Result?.ok === true && bf16Result.precision === 'bf16';
if (nativeAvailable) setMatMulPrecision('fp32');

// [520, 450] x [450, 300]: 1.4e8 flops, so the product takes oneDNN's bf16 path (>= 2^26).
const [m, k, n] = [520, 450, 300];
const bf16Bound = (abs: number) => (2 ** -7 + 2 ** -16 + (k + 2) * 2 ** -24) * abs + 1e-30;

/** The kept bf16 copies (addon.info()), as the addon reports them now. */
const kept = () => nativeBackendInfo()!.bf16Copies;

/** A tensor of `values` in pooled memory (a native kernel's output: x * 1 is exact), as the model's activations are. */
const pooled = (values: Float32Array, shape: number[]) => tf.tidy(() => tf.mul(tf.tensor(values, shape), 1));

/** The values array the native backend holds for t. */
const storageOf = (t: tf.Tensor) => (tf.backend() as NativeBackend).data.get(t.dataId)?.values;

describe.runIf(dnnlAvailable)('bf16 copies of product operands, kept by tensor', () => {
  let addon: NativeAddon;
  const av = randomValues(m * k, 51);
  const bv = randomValues(k * n, 52);
  const ref = reference({ aShape: [m, k], bShape: [k, n], transposeA: false, transposeB: false }, av, bv);

  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
    expect(setMatMulPrecision('bf16')).toMatchObject({ ok: true, precision: 'bf16' });
    const loaded = loadAddon();
    if (!('addon' in loaded)) throw new Error(loaded.error);
    addon = loaded.addon; // the same module instance as the backend's (Node loads an addon once)
  });
  afterAll(async () => {
    addon.bf16CopyBudget(512 * 2 ** 20);
    setMatMulPrecision('fp32');
    await tf.setBackend('wasm');
  });

  it('rounds each pooled operand once: later products of the same tensors reuse the copies and give the same bits', () => {
    const before = tf.memory().numTensors;
    const start = kept();
    const a = pooled(av, [m, k]);
    const b = pooled(bv, [k, n]);
    const first = tf.matMul(a, b);
    expect(kept().misses - start.misses).toBe(2);
    expect(kept().copies - start.copies).toBe(2);
    expect(kept().bytes - start.bytes).toBe(2 * (m * k + k * n));
    const again = tf.matMul(a, b);
    // b^T as the right operand of a^T-shaped product: the same arrays, whatever the transposes
    const transposed = tf.matMul(b, a, true, true);
    expect(kept().hits - start.hits).toBe(4);
    expect(kept().misses - start.misses).toBe(2);
    const got = first.dataSync();
    expect(again.dataSync()).toEqual(got);
    for (let j = 0; j < got.length; j++)
      expect(Math.abs(got[j]! - ref.values[j]!)).toBeLessThanOrEqual(bf16Bound(ref.abs[j]!));
    // (A B)^T = B^T A^T: the same sums of the same rounded terms, transposed
    const t = transposed.dataSync();
    for (let j = 0; j < got.length; j++) {
      const [i, c] = [Math.floor(j / n), j % n];
      expect(Math.abs(t[c * m + i]! - got[j]!)).toBeLessThanOrEqual(bf16Bound(ref.abs[j]!));
    }
    tf.dispose([a, b, first, again, transposed]);
    expect(kept().copies).toBe(start.copies); // released with their tensors
    expect(kept().bytes).toBe(start.bytes);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rounds afresh when a disposed tensor's memory holds a new tensor (never a stale copy)", () => {
    const b = pooled(bv, [k, n]);
    const a1 = pooled(av, [m, k]);
    const y1 = tf.matMul(a1, b);
    const memory = storageOf(a1);
    a1.dispose();
    const a2 = tf.tidy(() => tf.mul(tf.tensor(av, [m, k]), -1)); // -A, in the memory a1 had
    expect(storageOf(a2)).toBe(memory);
    const y2 = tf.matMul(a2, b);
    // rounding is symmetric: (-A) B rounds to exactly -(A B); a stale copy of A would give +(A B)
    const [p, q] = [y1.dataSync(), y2.dataSync()];
    for (let j = 0; j < p.length; j++) expect(q[j]).toBe(-p[j]!);
    tf.dispose([b, a2, y1, y2]);
  });

  it('stays within its budget, dropping the least recently used copies, with the same products', () => {
    const before = tf.memory().numTensors;
    const start = kept();
    const operands = [0, 1, 2, 3].map((i) => pooled(randomValues(m * k, 60 + i), [m, k]));
    const b = pooled(bv, [k, n]);
    const unlimited = operands.map((a) => tf.matMul(a, b));
    // room for three copies of a [520, 450] operand: b's and two of the four
    const copyBytes = 2 * m * k;
    addon.bf16CopyBudget(3 * copyBytes);
    try {
      expect(kept().bytes).toBeLessThanOrEqual(3 * copyBytes);
      for (let round = 0; round < 2; round++) {
        operands.forEach((a, i) => {
          const y = tf.matMul(a, b);
          expect(y.dataSync()).toEqual(unlimited[i]!.dataSync());
          expect(kept().bytes).toBeLessThanOrEqual(3 * copyBytes);
          y.dispose();
        });
      }
      expect(kept().misses - start.misses).toBeGreaterThan(5); // the copies were dropped and made again
    } finally {
      addon.bf16CopyBudget(512 * 2 ** 20);
    }
    tf.dispose([...operands, b, ...unlimited]);
    expect(kept().copies).toBe(start.copies);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps no copy of memory the pool does not own (a tensor made from a user array), nor of float32 products', () => {
    const start = kept();
    const a = tf.tensor(av, [m, k]);
    const b = tf.tensor(bv, [k, n]);
    tf.matMul(a, b).dispose();
    expect(kept()).toEqual(start);
    const pa = pooled(av, [m, k]);
    const pb = pooled(bv, [k, n]);
    setMatMulPrecision('fp32');
    try {
      tf.matMul(pa, pb).dispose();
    } finally {
      setMatMulPrecision('bf16');
    }
    expect(kept()).toEqual(start);
    tf.dispose([a, b, pa, pb]);
  });

  it('rejects a budget that is not a byte count, with the argument named', () => {
    expect(() => addon.bf16CopyBudget(-1)).toThrow(/bf16CopyBudget: bytes must be >= 0/);
    expect(() => addon.releaseBf16Copy('x' as unknown as number)).toThrow(/key must be a number/);
  });
});
