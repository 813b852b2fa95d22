import * as tf from '@tensorflow/tfjs-core';
import { SIGMA_EMBEDDING_DIM } from './ddit-config';
import { linearWithBias } from './linear-layer';

/**
 * DDiT's sinusoidal embedding of the noise level (MDLM `TimestepEmbedder.timestep_embedding`): with
 * half = dim / 2 and f_j = exp(-ln(10000) j / half), j = 0..half-1,
 *   emb(sigma) = [cos(sigma f_0) .. cos(sigma f_{half-1}), sin(sigma f_0) .. sin(sigma f_{half-1})].
 * sigma [B] -> [B, dim].
 */
export function sigmaEmbedding(sigma: tf.Tensor1D, dim = SIGMA_EMBEDDING_DIM): tf.Tensor2D {
  const half = dim / 2;
  const freqs = new Float32Array(half);
  for (let j = 0; j < half; j++) freqs[j] = Math.exp((-Math.log(10000) * j) / half);
  return tf.tidy(() => {
    const args = tf.mul(tf.reshape(sigma, [-1, 1]), tf.tensor2d(freqs, [1, half]));
    return tf.concat([tf.cos(args), tf.sin(args)], 1) as tf.Tensor2D;
  });
}

/**
 * The conditioning vector every DDiT block gets: c = silu( W2 silu(W1 emb(sigma) + b1) + b2 ),
 * [B] -> [B, condDim] (MDLM applies the outer SiLU in `DIT.forward`).
 */
export function sigmaConditioning(
  sigma: tf.Tensor1D,
  p: { w1: tf.Tensor2D; b1: tf.Tensor1D; w2: tf.Tensor2D; b2: tf.Tensor1D },
  fast: boolean,
): tf.Tensor2D {
  return tf.tidy(() => {
    const silu = (x: tf.Tensor2D): tf.Tensor2D => tf.mul(x, tf.sigmoid(x));
    const h = silu(linearWithBias(sigmaEmbedding(sigma, p.w1.shape[0]), p.w1, p.b1, fast));
    return silu(linearWithBias(h, p.w2, p.b2, fast));
  });
}
