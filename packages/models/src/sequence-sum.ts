import * as tf from '@tensorflow/tfjs-core';

/**
 * Per-sequence sums: v [B*P, d] (rows grouped by sequence) -> [B, d], s_b = sum_{p} v[b*P + p].
 * With `fast` (wasm) this is the plain matmul S v with the 0/1 selector S [B, B*P], because the
 * wasm Sum kernel over a non-innermost axis first transposes its input (~50 M elements/s);
 * elsewhere tf.sum over the sequence axis.
 */
export function sequenceSum(v: tf.Tensor2D, batch: number, fast: boolean): tf.Tensor2D {
  const [N, d] = v.shape;
  const P = N / batch;
  if (!Number.isInteger(P))
    throw new RangeError(`sequenceSum: ${N} rows do not split into ${batch} sequences`);
  return tf.tidy(() => {
    if (!fast) return tf.sum(tf.reshape(v, [batch, P, d]), 1) as tf.Tensor2D;
    const selector = new Float32Array(batch * N);
    for (let b = 0; b < batch; b++) selector.fill(1, b * N + b * P, b * N + (b + 1) * P);
    return tf.matMul(tf.tensor2d(selector, [batch, N]), v);
  });
}

/** Broadcasts per-sequence rows c [B, d] over the P positions of each sequence: [B*P, d] view as [B, P, d]. */
export function perSequence(c: tf.Tensor2D): tf.Tensor3D {
  return tf.reshape(c, [c.shape[0], 1, c.shape[1]]) as tf.Tensor3D;
}
