import { describe, expect, it } from 'vitest';
import type { AttentionAttrs } from '../attention-kernel';
import { attentionGradReference, attentionReference } from './attention-reference';

// Deterministic values in (-1, 1).
const values = (n: number, seed: number) =>
  Float64Array.from({ length: n }, (_, i) => Math.sin(seed * 97.1 + i * 12.9898) * 0.9);

function setup(rotary: boolean, causal = false) {
  const attrs: AttentionAttrs = { batch: 2, seqLen: 5, heads: 2, headDim: 4, scale: 0.5, rotary, causal };
  const d = attrs.heads * attrs.headDim;
  const half = attrs.headDim / 2;
  const angles = Float64Array.from(
    { length: attrs.seqLen * half },
    (_, i) => Math.floor(i / half) * 10 ** -(i % half),
  );
  const inputs = {
    qkv: values(attrs.batch * attrs.seqLen * 3 * d, 1),
    cos: angles.map(Math.cos),
    sin: angles.map(Math.sin),
  };
  return { attrs, inputs, dy: values(attrs.batch * attrs.seqLen * d, 2) };
}

describe('attention reference (float64)', () => {
  it('averages the values when every score is equal (q = k = 0)', () => {
    const { attrs, inputs } = setup(true);
    const d = attrs.heads * attrs.headDim;
    const qkv = Float64Array.from(inputs.qkv, (x, i) => (i % (3 * d) < 2 * d ? 0 : x));
    const { out, lse } = attentionReference(attrs, { ...inputs, qkv });
    for (const x of lse) expect(x).toBeCloseTo(Math.log(attrs.seqLen), 12);
    for (let b = 0; b < attrs.batch; b++) {
      for (let c = 0; c < d; c++) {
        let mean = 0;
        for (let l = 0; l < attrs.seqLen; l++)
          mean += qkv[(b * attrs.seqLen + l) * 3 * d + 2 * d + c]! / attrs.seqLen;
        for (let l = 0; l < attrs.seqLen; l++)
          expect(out[(b * attrs.seqLen + l) * d + c]).toBeCloseTo(mean, 12);
      }
    }
  });

  it('causal: with q = k = 0, position l averages the values of positions 0..l (lse = log(l + 1))', () => {
    const { attrs, inputs } = setup(true, true);
    const d = attrs.heads * attrs.headDim;
    const L = attrs.seqLen;
    const qkv = Float64Array.from(inputs.qkv, (x, i) => (i % (3 * d) < 2 * d ? 0 : x));
    const { out, lse } = attentionReference(attrs, { ...inputs, qkv });
    for (let i = 0; i < lse.length; i++) expect(lse[i]).toBeCloseTo(Math.log((i % L) + 1), 12);
    for (let b = 0; b < attrs.batch; b++) {
      for (let c = 0; c < d; c++) {
        let sum = 0;
        for (let l = 0; l < L; l++) {
          sum += qkv[(b * L + l) * 3 * d + 2 * d + c]!;
          expect(out[(b * L + l) * d + c]).toBeCloseTo(sum / (l + 1), 12);
        }
      }
    }
  });

  it('causal: the output at position l does not change when a later position changes', () => {
    const { attrs, inputs } = setup(true, true);
    const d = attrs.heads * attrs.headDim;
    const L = attrs.seqLen;
    const base = attentionReference(attrs, inputs).out;
    const qkv = Float64Array.from(inputs.qkv);
    for (let c = 0; c < 3 * d; c++) qkv[(L - 1) * 3 * d + c] = 5; // last position of sequence 0
    const moved = attentionReference(attrs, { ...inputs, qkv }).out;
    for (let i = 0; i < (L - 1) * d; i++) expect(moved[i]).toBe(base[i]);
    expect(moved[(L - 1) * d]).not.toBe(base[(L - 1) * d]);
  });

  for (const [rotary, causal] of [
    [true, false],
    [false, false],
    [true, true],
  ]) {
    it(`its gradient equals central finite differences of sum(dy * out) (rotary ${rotary}, causal ${causal})`, () => {
      const { attrs, inputs, dy } = setup(rotary!, causal);
      const grad = attentionGradReference(attrs, inputs, dy);
      const loss = (qkv: Float64Array) => {
        const { out } = attentionReference(attrs, { ...inputs, qkv });
        return out.reduce((s, o, i) => s + o * dy[i]!, 0);
      };
      const h = 1e-5;
      for (let i = 0; i < inputs.qkv.length; i++) {
        const plus = Float64Array.from(inputs.qkv);
        const minus = Float64Array.from(inputs.qkv);
        plus[i]! += h;
        minus[i]! -= h;
        const fd = (loss(plus) - loss(minus)) / (2 * h);
        expect(Math.abs(grad[i]! - fd)).toBeLessThan(1e-8);
      }
    });
  }
});
