import { assertTokenRange, maskId } from '@md4/core';

/**
 * The starting tokens of a run: copies of `prompt` (fixed tokens, MASK = V at free positions) or
 * `batch` all-MASK rows. With a prompt its length is the batch; a different `batch` is an error.
 *
 * @throws RangeError/TypeError naming the bad sequence and how to fix it.
 */
export function initialTokens(opts: {
  vocabSize: number;
  length: number;
  batch?: number | undefined;
  prompt?: ArrayLike<number>[] | undefined;
}): Int32Array[] {
  const { vocabSize: V, length: L, batch, prompt } = opts;
  if (batch !== undefined && (!Number.isInteger(batch) || batch < 1)) {
    throw new RangeError(`batch must be an integer >= 1, got ${batch}`);
  }
  if (prompt === undefined)
    return Array.from({ length: batch ?? 1 }, () => new Int32Array(L).fill(maskId(V)));
  if (!Array.isArray(prompt) || prompt.length === 0) {
    throw new TypeError('prompt must be a non-empty array of sequences (one Int32Array per sequence)');
  }
  if (batch !== undefined && batch !== prompt.length) {
    throw new RangeError(
      `batch ${batch} differs from the ${prompt.length} prompt sequences; the prompt sets the batch: ` +
        'drop `batch` or give one prompt per sequence',
    );
  }
  return prompt.map((sequence, b) => {
    if (sequence == null || typeof sequence.length !== 'number') {
      throw new TypeError(`prompt[${b}] must be an Int32Array of length ${L}`);
    }
    if (sequence.length !== L) {
      throw new RangeError(
        `prompt[${b}] has length ${sequence.length} but length is ${L}; ` +
          `pad it with MASK (${maskId(V)}) at the positions to generate`,
      );
    }
    assertTokenRange(sequence, V, { allowMask: true, what: `prompt[${b}]` });
    return Int32Array.from(sequence);
  });
}
