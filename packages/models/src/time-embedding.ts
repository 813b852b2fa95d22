import * as tf from '@tensorflow/tfjs-core';
import { linearWithBias } from './linear-layer';

/**
 * Sinusoidal embedding of 1000 t (md4 `get_timestep_embedding`): with half = dim / 2 and
 * f_i = exp(-ln(10000) i / (half - 1)), i = 0..half-1,
 *   emb(t) = [sin(1000 t f_0) .. sin(1000 t f_{half-1}), cos(1000 t f_0) .. cos(1000 t f_{half-1})].
 * t [B] -> [B, dim].
 */
export function timestepEmbedding(t: tf.Tensor1D, dim: number): tf.Tensor2D {
  if (!Number.isInteger(dim) || dim < 4 || dim % 2 !== 0) {
    throw new RangeError(`timestep embedding dim must be an even integer >= 4, got ${dim}`);
  }
  const half = dim / 2;
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = Math.exp((-Math.log(10000) * i) / (half - 1));
  return tf.tidy(() => {
    const args = tf.mul(tf.reshape(tf.mul(t, 1000), [-1, 1]), tf.tensor2d(freqs, [1, half]));
    return tf.concat([tf.sin(args), tf.cos(args)], 1) as tf.Tensor2D;
  });
}

/**
 * The conditioning vector c = W2 silu(W1 emb(t) + b1) + b2  ([B] -> [B, hd]; W1: hd -> 4 hd).
 */
export function timeConditioning(
  t: tf.Tensor1D,
  p: { w1: tf.Tensor2D; b1: tf.Tensor1D; w2: tf.Tensor2D; b2: tf.Tensor1D },
  fast: boolean,
): tf.Tensor2D {
  return tf.tidy(() => {
    const emb = timestepEmbedding(t, p.w1.shape[0]);
    const h = linearWithBias(emb, p.w1, p.b1, fast);
    return linearWithBias(tf.mul(h, tf.sigmoid(h)), p.w2, p.b2, fast);
  });
}
