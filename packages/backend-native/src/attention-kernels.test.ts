import { ATTENTION_GRAD_KERNEL, ATTENTION_KERNEL, type AttentionAttrs, withMatMulPrecision } from '@md4/core';
import { attentionGradReference, attentionReference } from '@md4/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues, relativeError } from './matmul-reference.test-helper';
import { nativeAvailable } from './native-available.test-helper';
import { NATIVE_BACKEND, nativeBackendInfo, setMatMulPrecision } from './register-native-backend';

// Odd shapes; L = 300 takes six blocks of query rows (5 x 54 + 30), exercising the accumulation
// of dk and dv across blocks (causal: over the keys each block sees).
const CASES: Array<Omit<AttentionAttrs, 'scale'> & { spread: number }> = [
  { batch: 2, seqLen: 37, heads: 3, headDim: 10, rotary: true, spread: 2 },
  { batch: 3, seqLen: 9, heads: 1, headDim: 6, rotary: false, spread: 4 },
  { batch: 1, seqLen: 300, heads: 2, headDim: 8, rotary: true, spread: 3 },
  { batch: 2, seqLen: 37, heads: 3, headDim: 10, rotary: true, causal: true, spread: 2 },
  { batch: 1, seqLen: 300, heads: 2, headDim: 8, rotary: true, causal: true, spread: 3 },
  // the small-cpu model's heads (hd 64), its blocks of 64 query rows
  { batch: 1, seqLen: 256, heads: 2, headDim: 64, rotary: true, spread: 1 },
];

/** bfloat16's unit roundoff: 8 significant bits, rounding to nearest. */
const BF16_ROUNDOFF = 2 ** -8;

/** Runs both kernels on case c (random q, k, v scaled by c.spread; RoPE tables) beside the float64 references. */
function runAttention(c: (typeof CASES)[number]) {
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
  const result = { out: out!.dataSync(), lse: lse!.dataSync(), dqkv: dqkv.dataSync() };
  tf.dispose([out!, lse!, dqkv]);
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([qkv, cos, sin, dy]);
  const inputs = { qkv: qkvValues, cos: cosValues, sin: sinValues };
  // the largest row norms of q (scaled) and k, and the largest |v|: RoPE keeps row norms
  let qNorm = 0;
  let kNorm = 0;
  let vMax = 0;
  for (let row = 0; row < B * L; row++) {
    for (let h = 0; h < H; h++) {
      let q2 = 0;
      let k2 = 0;
      for (let j = 0; j < hd; j++) {
        const at = row * 3 * d + h * hd + j;
        q2 += qkvValues[at]! ** 2;
        k2 += qkvValues[at + d]! ** 2;
        vMax = Math.max(vMax, Math.abs(qkvValues[at + 2 * d]!));
      }
      qNorm = Math.max(qNorm, Math.sqrt(q2) * attrs.scale);
      kNorm = Math.max(kNorm, Math.sqrt(k2));
    }
  }
  return {
    ...result,
    ref: attentionReference(attrs, inputs),
    refGrad: attentionGradReference(attrs, inputs, dyValues),
    qNorm,
    kNorm,
    vMax,
  };
}

describe.runIf(nativeAvailable)('native fused attention kernels', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('wasm');
  });

  for (const c of CASES) {
    it(`match the float64 reference, value, lse and gradient (B ${c.batch}, L ${c.seqLen}, H ${c.heads}, hd ${c.headDim}, rotary ${c.rotary}, causal ${c.causal === true})`, () => {
      const r = runAttention(c);
      // float32 sums of at most max(L, hd) terms of magnitude <= the scale: a few 1e-6 relative
      expect(relativeError(r.out, r.ref.out)).toBeLessThan(2e-6);
      expect(relativeError(r.lse, r.ref.lse)).toBeLessThan(1e-6);
      expect(relativeError(r.dqkv, r.refGrad)).toBeLessThan(4e-6);
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

  it('give a key that leads every other by far more than 87 all the weight, and a NaN score NaN', () => {
    // No RoPE, H 1, hd 2, L 5: q_i = (1, 0), k_0 = (400, 0), the other keys (0, j), so that
    // S_i0 = 200 (scale 0.5) and S_ij = 0: the other weights, exp(-200) (the kernel keeps e^-87
    // there), vanish beside 1 in float32, so O_i = v_0 = (3, 5) and lse_i = 200 exactly. Query 3's
    // NaN makes its scores, lse and output NaN; the other queries stay as they are.
    const L = 5;
    const attrs = { batch: 1, seqLen: L, heads: 1, headDim: 2, scale: 0.5, rotary: false };
    const values = new Float32Array(L * 6);
    for (let j = 0; j < L; j++) {
      values.set([1, 0, j === 0 ? 400 : 0, j === 0 ? 0 : j, 3 + j, j === 0 ? 5 : -j], j * 6);
    }
    values[3 * 6] = Number.NaN;
    const qkv = tf.tensor2d(values, [L, 6]);
    const table = tf.zeros([0, 1]);
    for (const precision of bf16Attention ? (['fp32', 'bf16'] as const) : (['fp32'] as const)) {
      const [out, lse] = withMatMulPrecision(
        precision,
        () => tf.engine().runKernel(ATTENTION_KERNEL, { qkv, cos: table, sin: table }, attrs) as tf.Tensor[],
      );
      const o = out!.dataSync();
      const l = lse!.dataSync();
      for (const i of [0, 1, 2, 4]) {
        expect([o[2 * i], o[2 * i + 1], l[i]]).toEqual([3, 5, 200]);
      }
      expect([o[6], o[7], l[3]]).toEqual([Number.NaN, Number.NaN, Number.NaN]);
      tf.dispose([out!, lse!]);
    }
    tf.dispose([qkv, table]);
  });
});

const bf16Attention =
  nativeAvailable && nativeBackendInfo()?.attentionBf16 === true && setMatMulPrecision('bf16').ok;
if (nativeAvailable) setMatMulPrecision('fp32');

describe.runIf(bf16Attention)('native fused attention kernels in bf16 (AVX512-BF16)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend(NATIVE_BACKEND)).toBe(true);
    expect(setMatMulPrecision('bf16')).toMatchObject({ ok: true, precision: 'bf16' });
  });
  afterAll(async () => {
    setMatMulPrecision('fp32');
    await tf.setBackend('wasm');
  });

  for (const c of CASES) {
    it(`are within bf16's first-order bound of the float64 reference (B ${c.batch}, L ${c.seqLen}, H ${c.heads}, hd ${c.headDim}, causal ${c.causal === true})`, () => {
      const r = runAttention(c);
      const u = BF16_ROUNDOFF;
      // Rounding q and k (u each) moves a score by at most E = 2u |q_i| |k_j| (Cauchy-Schwarz),
      // so lse by at most E and each probability by a factor within exp(+-2E); rounding P and v
      // adds 2u of sum_j p_ij |v_jc| <= max |v|. Float32 sums and exp add under 1e-5.
      const E = 2 * u * r.qNorm * r.kNorm;
      const maxError = (x: ArrayLike<number>, ref: ArrayLike<number>) => {
        let worst = 0;
        for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(x[i]! - ref[i]!));
        return worst;
      };
      expect(maxError(r.lse, r.ref.lse)).toBeLessThanOrEqual(E + 1e-5);
      expect(maxError(r.out, r.ref.out)).toBeLessThanOrEqual((2 * u + Math.expm1(2 * E)) * r.vMax + 1e-5);
      // The gradient's products take six rounded operands (q, k, v, dy, P, dS), each entering a
      // product of the chain at most twice: within 12u of its scale.
      expect(relativeError(r.dqkv, r.refGrad)).toBeLessThan(12 * u);
      // bf16 really ran: the output is further from the exact value than float32 could be
      expect(relativeError(r.out, r.ref.out)).toBeGreaterThan(2e-5);
    });
  }

  it("follow a call's request (withMatMulPrecision, as a Trainer's step makes) over the backend's setting", () => {
    const c = CASES[2]!;
    // the backend in bf16, the call asking for float32: float32's accuracy in both directions
    const asked32 = withMatMulPrecision('fp32', () => runAttention(c));
    expect(relativeError(asked32.out, asked32.ref.out)).toBeLessThan(2e-6);
    expect(relativeError(asked32.dqkv, asked32.refGrad)).toBeLessThan(4e-6);
    // the backend in float32, the call asking for bf16: bf16's error in both directions
    setMatMulPrecision('fp32');
    try {
      const asked16 = withMatMulPrecision('bf16', () => runAttention(c));
      expect(relativeError(asked16.out, asked16.ref.out)).toBeGreaterThan(2e-5);
      expect(relativeError(asked16.dqkv, asked16.refGrad)).toBeGreaterThan(2e-5);
    } finally {
      setMatMulPrecision('bf16');
    }
  });
});
