import * as tf from '@tensorflow/tfjs-core';

/**
 * Layer normalisation over the last axis without a learned affine (adaLN supplies scale and shift):
 *   y = (x - mean(x)) / sqrt(var(x) + eps),  var the biased variance.
 */
export function layerNorm<T extends tf.Tensor>(x: T, eps: number): T {
  return tf.tidy(() => {
    const centred = tf.sub(x, tf.mean(x, -1, true));
    const variance = tf.mean(tf.square(centred), -1, true);
    return tf.mul(centred, tf.rsqrt(tf.add(variance, eps))) as T;
  });
}
