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
  const data = flattenSequences(rows, vocabSize, `${what}: x0`);
  return { tensor: tf.tensor2d(data, [rows.length, data.length / rows.length], 'int32'), data, owned: true };
}

/** The sequences of one batch, checked (non-empty, one length, tokens in [0, V)), as one row-major array. */
export function flattenSequences(
  batch: ReadonlyArray<ArrayLike<number>>,
  V: number,
  what: string,
): Int32Array {
  if (!Array.isArray(batch) || batch.length === 0) {
    throw new TypeError(`${what} must be a non-empty array of sequences (Int32Array of token ids)`);
  }
  const L = batch[0]?.length ?? 0;
  if (!(L >= 1)) throw new RangeError(`${what}: sequences must hold at least one token`);
  const flat = new Int32Array(batch.length * L);
  batch.forEach((sequence, b) => {
    if (sequence?.length !== L) {
      throw new RangeError(
        `${what}: sequence ${b} has length ${sequence?.length}, expected ${L} like sequence 0`,
      );
    }
    assertTokenRange(sequence, V, { what: `${what}, sequence ${b} (denoiser vocabSize ${V})` });
    flat.set(sequence, b * L);
  });
  return flat;
}
