import * as tf from '@tensorflow/tfjs-core';
import { linearWithBias } from './linear-layer';

/**
 * adaLN-Zero (Peebles & Xie 2023, DiT): a zero-initialised projection of sigmoid(c) gives per-sequence
 * shift/scale/gate vectors, so every block starts as the identity.
 *   [m_1 .. m_k] = split( W sigmoid(c) + b, k )    (c [B, hd] -> k tensors [B, 1, d])
 * Blocks use k = 6 (shift, scale, gate for attention, then for the MLP); the final norm k = 2
 * (shift, scale).
 */
export function adaLNParams(
  c: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  chunks: number,
  fast: boolean,
): tf.Tensor3D[] {
  return tf.tidy(() => {
    const m = linearWithBias(tf.sigmoid(c), w, b, fast);
    const d = m.shape[1] / chunks;
    return tf.split(m, chunks, 1).map((part) => tf.reshape(part, [-1, 1, d]) as tf.Tensor3D);
  });
}

/** modulate(h) = h (1 + scale) + shift, h [B, P, d], scale/shift [B, 1, d]. */
export function modulate(h: tf.Tensor3D, shift: tf.Tensor3D, scale: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => tf.add(tf.mul(h, tf.add(scale, 1)), shift));
}
