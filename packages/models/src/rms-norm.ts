import * as tf from '@tensorflow/tfjs-core';

/**
 * RMS normalisation over the last axis (Zhang & Sennrich 2019), the pre-norm of blocks without time
 * conditioning:  y = x / sqrt(mean(x^2) + eps) * scale,  scale a learned vector (initialised to 1).
 */
export function rmsNorm<T extends tf.Tensor>(x: T, scale: tf.Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), scale) as T;
  });
}
