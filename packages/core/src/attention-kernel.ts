/**
 * Fused bidirectional softmax attention as two kernels a backend may register (`@md4/models` runs
 * them where the active backend has them, else composes tfjs ops). On a fused projection
 * qkv [B*L, 3d] (columns: the H query heads, then the key heads, then the value heads; d = H hd)
 * and rotary tables cos, sin [L, hd/2] (ignored unless `rotary`), per sequence b and head h:
 *   q = rope(q_bh) * scale,  k = rope(k_bh),  S = q k^T  [L, L],
 *   lse_i = log sum_j exp(S_ij),  P = exp(S - lse),  O_bh = P v_bh
 * with rope the interleaved rotation of ROPE_KERNEL. With `causal`, S_ij = -inf for j > i: query i
 * attends to keys 0..i only (P_ij = 0 above the diagonal), as an autoregressive network needs. Kernels:
 *  - ATTENTION_KERNEL       inputs { qkv, cos, sin } -> [out [B*L, d], lse [B, H, L]]
 *  - ATTENTION_GRAD_KERNEL  inputs { dy, qkv, cos, sin, out, lse } -> dqkv [B*L, 3d], by
 *      dv = P^T dO,  dP = dO v^T,  D_i = sum_c dO_ic O_ic,  dS = P (dP - D),
 *      dq = rope^-1(scale dS k),  dk = rope^-1(dS^T q)
 *    recomputing P from q, k and lse, so the L x L probabilities are never kept for the gradient.
 * Not bit-identical to the composed ops (the sums run in another order); float32 accuracy.
 */
export const ATTENTION_KERNEL = 'Md4Attention';
/** Kernel name of the gradient of ATTENTION_KERNEL: { dy, qkv, cos, sin, out, lse } -> dqkv [B*L, 3d]. */
export const ATTENTION_GRAD_KERNEL = 'Md4AttentionGrad';

/** Attributes of both attention kernels: the geometry of qkv and the score scale. */
export interface AttentionAttrs {
  /** B, the number of sequences (qkv has B*L rows). */
  batch: number;
  /** L, the positions per sequence. */
  seqLen: number;
  /** H, the number of heads (the same for queries, keys and values). */
  heads: number;
  /** hd, the width of one head (d = H hd); even when `rotary`. */
  headDim: number;
  /** Multiplies the rotated queries (1/sqrt(hd) in the paper's network). */
  scale: number;
  /** Whether q and k are rotated by cos/sin (RoPE); when false the tables are not read. */
  rotary: boolean;
  /** Whether query i sees keys j <= i only (an autoregressive network); default false (bidirectional). */
  causal?: boolean | undefined;
}
