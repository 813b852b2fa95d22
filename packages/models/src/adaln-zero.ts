import * as tf from '@tensorflow/tfjs-core';
import { linearWithBias } from './linear-layer';

/**
 * adaLN-Zero (Peebles & Xie 2023, DiT): a zero-initialised projection of sigmoid(c) gives per-sequence
 * shift/scale/gate vectors, so every block starts as the identity.
 *   [m_1 .. m_k] = split( W sigmoid(c) + b, k )    (c [B, hd] -> k tensors [B, d])
 * Blocks use k = 6 (shift, scale, gate for attention, then for the MLP); the final norm k = 2
 * (shift, scale). See `adaLayerNorm` and `gatedResidual` for how they are applied.
 */
export function adaLNParams(
  c: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  chunks: number,
  fast: boolean,
): tf.Tensor2D[] {
  return tf.tidy(() => tf.split(linearWithBias(tf.sigmoid(c), w, b, fast), chunks, 1) as tf.Tensor2D[]);
}
