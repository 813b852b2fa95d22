import type { AttentionAttrs } from '../attention-kernel';

/** Inputs of the attention kernels as flat arrays (row-major, the kernels' shapes). */
export interface AttentionReferenceInputs {
  /** [B*L, 3d] */
  qkv: ArrayLike<number>;
  /** [L, hd/2]; read only when attrs.rotary. */
  cos: ArrayLike<number>;
  /** [L, hd/2]; read only when attrs.rotary. */
  sin: ArrayLike<number>;
}

/** Rotated (and scaled) rows of one head: [L][hd] in float64; `inverse` rotates by minus the angle. */
function rotate(
  rows: (l: number, j: number) => number,
  attrs: AttentionAttrs,
  inputs: AttentionReferenceInputs,
  scale: number,
  inverse: boolean,
): Float64Array[] {
  const { seqLen: L, headDim: hd, rotary } = attrs;
  const half = hd / 2;
  return Array.from({ length: L }, (_, l) => {
    const y = new Float64Array(hd);
    for (let j = 0; j < half; j++) {
      const x0 = rows(l, 2 * j);
      const x1 = rows(l, 2 * j + 1);
      const c = rotary ? inputs.cos[l * half + j]! : 1;
      const s = rotary ? (inverse ? -1 : 1) * inputs.sin[l * half + j]! : 0;
      y[2 * j] = (x0 * c - x1 * s) * scale;
      y[2 * j + 1] = (x0 * s + x1 * c) * scale;
    }
    return y;
  });
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/**
 * q (rotated, scaled), k (rotated), v and P = softmax(q k^T) of head h of sequence b, in float64;
 * with `attrs.causal`, row i of P over keys 0..i (exactly 0 beyond).
 */
function headTensors(attrs: AttentionAttrs, inputs: AttentionReferenceInputs, b: number, h: number) {
  const { seqLen: L, heads: H, headDim: hd, scale } = attrs;
  const d = H * hd;
  const at = (part: number) => (l: number, j: number) =>
    inputs.qkv[(b * L + l) * 3 * d + part * d + h * hd + j]!;
  const q = rotate(at(0), attrs, inputs, scale, false);
  const k = rotate(at(1), attrs, inputs, 1, false);
  const v = Array.from({ length: L }, (_, l) => Float64Array.from({ length: hd }, (_, j) => at(2)(l, j)));
  const lse = new Float64Array(L);
  const p = q.map((qi, i) => {
    const s = k.map((kj, j) => (attrs.causal === true && j > i ? Number.NEGATIVE_INFINITY : dot(qi, kj)));
    const m = Math.max(...s);
    const e = s.map((x) => Math.exp(x - m));
    const sum = e.reduce((x, y) => x + y, 0);
    lse[i] = m + Math.log(sum);
    return Float64Array.from(e, (x) => x / sum);
  });
  return { q, k, v, p, lse };
}

/**
 * Float64 reference of `@md4/core`'s ATTENTION_KERNEL (its formula, computed directly): out [B*L, d]
 * and lse [B, H, L], for testing a backend's implementation.
 */
export function attentionReference(
  attrs: AttentionAttrs,
  inputs: AttentionReferenceInputs,
): { out: Float64Array; lse: Float64Array } {
  const { batch: B, seqLen: L, heads: H, headDim: hd } = attrs;
  const d = H * hd;
  const out = new Float64Array(B * L * d);
  const lse = new Float64Array(B * H * L);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const t = headTensors(attrs, inputs, b, h);
      lse.set(t.lse, (b * H + h) * L);
      for (let i = 0; i < L; i++) {
        for (let c = 0; c < hd; c++) {
          let s = 0;
          for (let j = 0; j < L; j++) s += t.p[i]![j]! * t.v[j]![c]!;
          out[(b * L + i) * d + h * hd + c] = s;
        }
      }
    }
  }
  return { out, lse };
}

/**
 * Float64 reference of ATTENTION_GRAD_KERNEL: the gradient dqkv [B*L, 3d] of sum(dy * out), by the
 * kernel's formulas (dv = P^T dy, dS = P (dy v^T - D), dq = rope^-1(scale dS k), dk = rope^-1(dS^T q)).
 */
export function attentionGradReference(
  attrs: AttentionAttrs,
  inputs: AttentionReferenceInputs,
  dy: ArrayLike<number>,
): Float64Array {
  const { batch: B, seqLen: L, heads: H, headDim: hd, scale } = attrs;
  const d = H * hd;
  const dqkv = new Float64Array(B * L * 3 * d);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const { q, k, v, p } = headTensors(attrs, inputs, b, h);
      const dO = Array.from({ length: L }, (_, i) =>
        Float64Array.from({ length: hd }, (_, c) => dy[(b * L + i) * d + h * hd + c]!),
      );
      const dS = p.map((pi, i) => {
        const dP = v.map((vj) => dot(dO[i]!, vj));
        const D = dot(pi, dP);
        return pi.map((pij, j) => pij * (dP[j]! - D));
      });
      const dqRot = q.map((_, i) =>
        Float64Array.from({ length: hd }, (_, c) =>
          dot(
            dS[i]!,
            k.map((kj) => kj[c]!),
          ),
        ),
      );
      const dkRot = k.map((_, j) =>
        Float64Array.from({ length: hd }, (_, c) =>
          dot(
            dS.map((r) => r[j]!),
            q.map((qi) => qi[c]!),
          ),
        ),
      );
      const dq = rotate((l, c) => dqRot[l]![c]!, attrs, inputs, scale, true);
      const dk = rotate((l, c) => dkRot[l]![c]!, attrs, inputs, 1, true);
      for (let l = 0; l < L; l++) {
        for (let c = 0; c < hd; c++) {
          const row = (b * L + l) * 3 * d + h * hd + c;
          dqkv[row] = dq[l]![c]!;
          dqkv[row + d] = dk[l]![c]!;
          dqkv[row + 2 * d] = dot(
            p.map((pi) => pi[l]!),
            dO.map((o) => o[c]!),
          );
        }
      }
    }
  }
  return dqkv;
}
