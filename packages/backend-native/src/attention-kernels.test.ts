import { ATTENTION_GRAD_KERNEL, ATTENTION_KERNEL, type AttentionAttrs } from '@md4/core';
import { attentionGradReference, attentionReference } from '@md4/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues, relativeError } from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND } from './register-native-backend';

// Odd shapes; L = 300 takes six blocks of query rows (5 x 54 + 30), exercising the accumulation
// of dk and dv across blocks (causal: over the keys each block sees).
const CASES: Array<Omit<AttentionAttrs, 'scale'> & { spread: number }> = [
  { batch: 2, seqLen: 37, heads: 3, headDim: 10, rotary: true, spread: 2 },
  { batch: 3, seqLen: 9, heads: 1, headDim: 6, rotary: false, spread: 4 },
  { batch: 1, seqLen: 300, heads: 2, headDim: 8, rotary: true, spread: 3 },
  { batch: 2, seqLen: 37, heads: 3, headDim: 10, rotary: true, causal: true, spread: 2 },
  { batch: 1, seqLen: 300, heads: 2, headDim: 8, rotary: true, causal: true, spread: 3 },
];

describe.runIf(nativeAvailable)('native fused attention kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  for (const c of CASES) {
    it(`match the float64 reference, value, lse and gradient (B ${c.batch}, L ${c.seqLen}, H ${c.heads}, hd ${c.headDim}, rotary ${c.rotary}, causal ${c.causal === true})`, () => {
      const attrs: AttentionAttrs = { ...c, scale: 1 / Math.sqrt(c.headDim) };
      const { batch: B, seqLen: L, heads: H, headDim: hd } = attrs;
      const d = H * hd;
      const half = hd / 2;
      // spread scales q and k so the softmax is far from uniform
      const qkvValues = randomValues(B * L * 3 * d, L).map((x) => x * c.spread);
      const angles = Float32Array.from(
        { length: L * half },
        (_, i) => Math.floor(i / half) * 10000 ** (-(2 * (i % half)) / hd),
      );
      const cosValues = angles.map(Math.cos);
      const sinValues = angles.map(Math.sin);
      const dyValues = randomValues(B * L * d, L + 1);
      const qkv = tf.tensor2d(qkvValues, [B * L, 3 * d]);
      const cos = c.rotary ? tf.tensor2d(cosValues, [L, half]) : tf.zeros([0, half]);
      const sin = c.rotary ? tf.tensor2d(sinValues, [L, half]) : tf.zeros([0, half]);
      const dy = tf.tensor2d(dyValues, [B * L, d]);
      const before = tf.memory().numTensors;
      const named = attrs as unknown as tf.NamedAttrMap;
      const [out, lse] = tf.engine().runKernel(ATTENTION_KERNEL, { qkv, cos, sin }, named) as tf.Tensor[];
      const dqkv = tf
        .engine()
        .runKernel(ATTENTION_GRAD_KERNEL, { dy, qkv, cos, sin, out: out!, lse: lse! }, named) as tf.Tensor;
      expect(out!.shape).toEqual([B * L, d]);
      expect(lse!.shape).toEqual([B, H, L]);
      expect(dqkv.shape).toEqual([B * L, 3 * d]);
      const inputs = { qkv: qkvValues, cos: cosValues, sin: sinValues };
      const ref = attentionReference(attrs, inputs);
      // float32 sums of at most max(L, hd) terms of magnitude <= the scale: a few 1e-6 relative
      expect(relativeError(out!.dataSync(), ref.out)).toBeLessThan(2e-6);
      expect(relativeError(lse!.dataSync(), ref.lse)).toBeLessThan(1e-6);
      expect(relativeError(dqkv.dataSync(), attentionGradReference(attrs, inputs, dyValues))).toBeLessThan(
        4e-6,
      );
      tf.dispose([out!, lse!, dqkv]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([qkv, cos, sin, dy]);
    });
  }

  it('refuses a qkv that does not fit the attributes, naming the shapes', () => {
    const attrs = { batch: 2, seqLen: 4, heads: 2, headDim: 4, scale: 0.5, rotary: true };
    const qkv = tf.zeros([8, 23]);
    const table = tf.zeros([4, 2]);
    expect(() => tf.engine().runKernel(ATTENTION_KERNEL, { qkv, cos: table, sin: table }, attrs)).toThrow(
      /expected float32 qkv \[8, 24\], got float32 \[8,23\]/,
    );
    const wide = tf.zeros([8, 24]);
    const short = tf.zeros([3, 2]);
    expect(() =>
      tf.engine().runKernel(ATTENTION_KERNEL, { qkv: wide, cos: short, sin: short }, attrs),
    ).toThrow(/expected float32 cos and sin \[4, 2\]/);
    tf.dispose([qkv, table, wide, short]);
  });
});
