import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';
import { matMulT } from './transposed-matmul';

/** Tables with more rows than this are read with tf.gather (a one-hot [N, rows] would not fit). */
export const ONE_HOT_EMBEDDING_MAX_ROWS = 4096;

/**
 * Token embedding: rows of `table` [V+1, D] for ids [N] (int32, the mask id V included), computed as
 * oneHot(ids) table. tf.gather has no gradient on wasm (UnsortedSegmentSum is missing) and its
 * kernel copies ~6 M elements/s there, while the one-hot product is a small plain matmul.
 * Custom gradient for the table: dTable = oneHot(ids)^T dy. Ids outside [0, V] give zero rows.
 * Large tables (GPT-2's 50,258 rows) are read with tf.gather instead; their gradient still uses the
 * one-hot product, built only in the backward pass.
 */
export function embed(ids: tf.Tensor1D, table: tf.Tensor2D, fast: boolean): tf.Tensor2D {
  if (ids.dtype !== 'int32') throw new TypeError(`embedding ids must be int32, got ${ids.dtype}`);
  const rows = table.shape[0];
  if (rows > ONE_HOT_EMBEDDING_MAX_ROWS) return gatherEmbed(ids, table, fast);
  const op = customOp(([tableIn], save) => {
    // int32 one-hot then cast: the wasm OneHot kernel writes int32 bits into float32 outputs (tfjs 4.22).
    const oneHot = tf.cast(tf.oneHot(ids, rows), 'float32') as tf.Tensor2D;
    save([oneHot]);
    return {
      value: tf.matMul(oneHot, tableIn as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        matMulT(saved[0] as tf.Tensor2D, dy as tf.Tensor2D, true, false, fast),
    };
  });
  return op(table) as tf.Tensor2D;
}

function gatherEmbed(ids: tf.Tensor1D, table: tf.Tensor2D, fast: boolean): tf.Tensor2D {
  const rows = table.shape[0];
  const op = customOp(([tableIn], save) => {
    save([ids]);
    return {
      value: tf.gather(tableIn!, tf.clipByValue(ids, 0, rows - 1) as tf.Tensor1D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const oneHot = tf.cast(tf.oneHot(saved[0] as tf.Tensor1D, rows), 'float32') as tf.Tensor2D;
          return matMulT(oneHot, dy as tf.Tensor2D, true, false, fast);
        }),
    };
  });
  return op(table) as tf.Tensor2D;
}
