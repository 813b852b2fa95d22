import { maskId, type Rng } from '@md4/core';

/** A sampled masking pattern of a [B, L] batch. */
export interface MaskDraw {
  /** 1 where the token is masked, row-major [B, L]. */
  mask: Uint8Array;
  /** x_t: the clean tokens with MASK (= V) at masked positions, row-major [B, L]. */
  xt: Int32Array;
  /** The number of masked tokens in each sequence, [B]. */
  maskedTokens: Int32Array;
}

/**
 * Masks each token independently: token (b, n) becomes MASK when a float64 uniform is below
 * `maskProbability(b, n)`. Consumes B * L uniforms, row-major.
 */
export function drawMask(
  x0: Int32Array,
  batch: number,
  length: number,
  vocabSize: number,
  rng: Rng,
  maskProbability: (b: number, n: number) => number,
): MaskDraw {
  const mask = new Uint8Array(batch * length);
  const xt = new Int32Array(batch * length);
  const maskedTokens = new Int32Array(batch);
  const maskToken = maskId(vocabSize);
  for (let b = 0; b < batch; b++) {
    for (let n = 0; n < length; n++) {
      const i = b * length + n;
      if (rng.uniform() < maskProbability(b, n)) {
        mask[i] = 1;
        xt[i] = maskToken;
        maskedTokens[b]!++;
      } else {
        xt[i] = x0[i]!;
      }
    }
  }
  return { mask, xt, maskedTokens };
}
