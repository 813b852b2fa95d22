import * as tf from '@tensorflow/tfjs-core';
import { linear } from './linear-layer';

/**
 * Gated MLP of the reference network: W_down( sigmoid(W_gate x) * (W_up x) ), no biases.
 * W_gate and W_up are kept as two matrices (the reference fuses them into one W13 of the same size)
 * so the products never need a column slice, which costs a full copy on wasm.
 */
export function gatedMlp(
  x: tf.Tensor2D,
  p: { gate: tf.Tensor2D; up: tf.Tensor2D; down: tf.Tensor2D },
  fast: boolean,
): tf.Tensor2D {
  return tf.tidy(() => {
    const hidden = tf.mul(tf.sigmoid(linear(x, p.gate, fast)), linear(x, p.up, fast));
    return linear(hidden as tf.Tensor2D, p.down, fast);
  });
}
