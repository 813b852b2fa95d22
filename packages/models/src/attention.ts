import { ATTENTION_GRAD_KERNEL, ATTENTION_KERNEL, type AttentionAttrs } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';
import { type AttentionKernelAttrs, WASM_KERNELS } from './kernels/wasm-kernels';
import { applyRope, ropeTables, ropeTensors } from './rotary-embedding';

/** The geometry of one attention call. */
export interface AttentionShape {
  /** B, the sequences (qkv has B*L rows). */
  batch: number;
  /** L, the positions per sequence. */
  seqLen: number;
  /** H, the heads. */
  heads: number;
  /** hd, the width of one head (d = H hd); even when rotary embeddings are on. */
  headDim: number;
  /** RoPE base theta (10000 in the paper's network); 0 turns rotary embeddings off. */
  ropeTheta: number;
  /** Position i attends to positions 0..i only (an autoregressive network); default bidirectional. */
  causal?: boolean | undefined;
}

/** Added to the scores above the diagonal in causal attention: exp underflows to exactly 0. */
const HIDDEN_SCORE = -1e9;

/**
 * Multi-head softmax attention on a fused projection qkv [B*L, 3d] (columns: q heads, then k heads,
 * then v heads; d = H * hd). Returns [B*L, d]:
 *   O_h = softmax( (R q_h)(R k_h)^T / sqrt(hd) + M ) v_h
 * with R the rotary embedding (rows = positions) and M = 0 (bidirectional) or, with `shape.causal`,
 * M_ij = -inf for j > i (position i sees positions 0..i). Differentiable in qkv.
 *
 * Where the active backend registers `@md4/core`'s ATTENTION_KERNEL (the native backend), one fused
 * kernel each way that never keeps the L x L probabilities; else with `fast` (wasm backend)
 * per-(sequence, head) plain 2-D XNNPACK products in custom kernels with custom gradients (see
 * kernels/wasm-kernels.ts); otherwise ordinary tfjs ops (batched matMul), which is also the
 * reference the fast paths are tested against.
 */
export function attention(qkv: tf.Tensor2D, shape: AttentionShape, fast: boolean): tf.Tensor2D {
  const { batch, seqLen, heads, headDim } = shape;
  const d = heads * headDim;
  if (qkv.shape[0] !== batch * seqLen || qkv.shape[1] !== 3 * d) {
    throw new RangeError(`attention: qkv has shape [${qkv.shape}], expected [${batch * seqLen}, ${3 * d}]`);
  }
  if (tf.getKernel(ATTENTION_KERNEL, tf.getBackend()) != null) return fusedAttention(qkv, shape);
  return fast ? fastAttention(qkv, shape) : referenceAttention(qkv, shape);
}

/** ATTENTION_KERNEL with ATTENTION_GRAD_KERNEL as its gradient; keeps qkv, out and lse [B, H, L]. */
function fusedAttention(qkv: tf.Tensor2D, shape: AttentionShape): tf.Tensor2D {
  const { seqLen, headDim, ropeTheta } = shape;
  const attrs = {
    batch: shape.batch,
    seqLen,
    heads: shape.heads,
    headDim,
    scale: 1 / Math.sqrt(headDim),
    rotary: ropeTheta > 0,
    causal: shape.causal === true,
  } satisfies AttentionAttrs as unknown as tf.NamedAttrMap;
  const op = customOp(([x], save) => {
    const none = () => tf.zeros([0, headDim / 2]) as tf.Tensor2D;
    const [cos, sin] =
      ropeTheta > 0 ? ropeTensors(ropeTables(seqLen, headDim, ropeTheta), seqLen) : [none(), none()];
    const [out, lse] = tf.engine().runKernel(ATTENTION_KERNEL, { qkv: x!, cos, sin }, attrs) as tf.Tensor[];
    save([x!, cos, sin, out!, lse!]);
    return {
      value: out!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [qkvSaved, cosSaved, sinSaved, outSaved, lseSaved] = saved;
        const inputs = { dy, qkv: qkvSaved!, cos: cosSaved!, sin: sinSaved!, out: outSaved!, lse: lseSaved! };
        return tf.engine().runKernel(ATTENTION_GRAD_KERNEL, inputs, attrs) as tf.Tensor;
      },
    };
  });
  return op(qkv) as tf.Tensor2D;
}

function kernelAttrs(shape: AttentionShape): AttentionKernelAttrs {
  const { batch, seqLen, heads, headDim, ropeTheta } = shape;
  return { batch, seqLen, heads, headDim, ropeTheta, scale: 1 / Math.sqrt(headDim) };
}

/** Scores [..., L, L] with the entries above the diagonal hidden when causal (else as they are). */
function maskFuture(scores: tf.Tensor, shape: AttentionShape): tf.Tensor {
  if (shape.causal !== true) return scores;
  const L = shape.seqLen;
  const hidden = new Float32Array(L * L);
  for (let i = 0; i < L; i++) hidden.fill(HIDDEN_SCORE, i * L + i + 1, (i + 1) * L);
  return tf.add(scores, tf.tensor2d(hidden, [L, L]));
}

function fastAttention(qkv: tf.Tensor2D, shape: AttentionShape): tf.Tensor2D {
  const attrs = kernelAttrs(shape) as unknown as tf.NamedAttrMap;
  const scores = customOp(([x], save) => {
    save([x!]);
    return {
      value: tf.engine().runKernel(WASM_KERNELS.scores, { qkv: x! }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(WASM_KERNELS.scoresGrad, { dy, qkv: saved[0]! }, attrs) as tf.Tensor,
    };
  });
  const mix = customOp(([p, x], save) => {
    save([p!, x!]);
    return {
      value: tf.engine().runKernel(WASM_KERNELS.mix, { p: p!, qkv: x! }, attrs) as tf.Tensor,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel(WASM_KERNELS.mixGrad, { dy, p: saved[0]!, qkv: saved[1]! }, attrs) as tf.Tensor[],
    };
  });
  return tf.tidy(() => {
    const s = maskFuture(scores(qkv), shape);
    const p = tf.softmax(s);
    return mix(p, qkv) as tf.Tensor2D;
  });
}

function referenceAttention(qkv: tf.Tensor2D, shape: AttentionShape): tf.Tensor2D {
  const { batch: B, seqLen: L, heads: H, headDim: hd, ropeTheta } = shape;
  return tf.tidy(() => {
    const split = tf.transpose(tf.reshape(qkv, [B, L, 3, H, hd]), [2, 0, 3, 1, 4]);
    let [q, k, v] = tf.unstack(split) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    if (ropeTheta > 0) {
      const tables = ropeTables(L, hd, ropeTheta);
      q = applyRope(q, tables);
      k = applyRope(k, tables);
    }
    q = tf.mul(q, 1 / Math.sqrt(hd));
    const p = tf.softmax(maskFuture(tf.matMul(q, k, false, true), shape));
    const o = tf.matMul(p, v);
    return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B * L, H * hd]);
  });
}
