import * as tf from '@tensorflow/tfjs-core';
import type { NextTokenModel } from '../next-token-model';

/**
 * A bigram NextTokenModel for tests: row n of its logits is `table[x_(n-1)]`, with row V of the
 * table (the start row) at n = 0, so p(x) = prod_n softmax(table[x_(n-1)])[x_n] can be computed by
 * hand. `table` [V + 1, V] is borrowed (a tf.Variable makes the model trainable: the one-hot product
 * is differentiable on every backend).
 */
export function createBigramNextTokenModel(table: tf.Tensor2D, maxLength = 1 << 20): NextTokenModel {
  const [rows, V] = table.shape;
  if (rows !== V + 1) throw new RangeError(`bigram table must be [V + 1, V], got [${table.shape}]`);
  return {
    vocabSize: V,
    maxLength,
    nextTokenLogits(x: tf.Tensor2D): tf.Tensor3D {
      const [B, L] = x.shape;
      return tf.tidy(() => {
        const previous = tf.concat([tf.fill([B, 1], V, 'int32'), tf.slice(x, [0, 0], [B, L - 1])], 1);
        const oneHot = tf.oneHot(tf.reshape(previous, [B * L]), V + 1);
        return tf.reshape(tf.matMul(tf.cast(oneHot, 'float32'), table), [B, L, V]) as tf.Tensor3D;
      });
    },
  };
}
