import { assertTokenRange } from '@md4/core';
import * as tf from '@tensorflow/tfjs-core';
import { readCleanTokens } from './validate-input';

/**
 * A batch of clean sequences for a loss: an int32 [B, L] tensor (its values are read back once,
 * synchronously, to draw the masks), or the sequences themselves, of one length (nothing is read
 * back from the device: what a trainer on WebGPU should pass).
 */
export type CleanBatch = tf.Tensor2D | readonly ArrayLike<number>[];

/**
 * The batch as a tensor and as values, checked: shape, dtype, every token in [0, V). `owned`: the
 * tensor was made here from the sequences, and the caller disposes it.
 */
export function cleanBatch(
  x0: CleanBatch,
  vocabSize: number,
  what: string,
): { tensor: tf.Tensor2D; data: Int32Array; owned: boolean } {
  if (!Array.isArray(x0)) {
    const tensor = x0 as tf.Tensor2D;
    return { tensor, data: readCleanTokens(tensor, vocabSize, what), owned: false };
  }
  const rows = x0 as readonly ArrayLike<number>[];
  const L = rows[0]?.length ?? 0;
  if (rows.length < 1 || L < 1) {
    throw new RangeError(
      `${what}: x0 must have at least one sequence and one token, got [${rows.length}, ${L}]`,
    );
  }
  const data = new Int32Array(rows.length * L);
  rows.forEach((row, b) => {
    if (row.length !== L)
      throw new RangeError(`${what}: sequence ${b} has length ${row.length}, expected ${L}`);
    assertTokenRange(row, vocabSize, { what: `${what}: x0 sequence ${b} (denoiser vocabSize ${vocabSize})` });
    data.set(row, b * L);
  });
  return { tensor: tf.tensor2d(data, [rows.length, L], 'int32'), data, owned: true };
}
