import type * as tf from '@tensorflow/tfjs-core';

/**
 * An autoregressive model over the V real token values: the way `elbo` and `samplers` see a
 * left-to-right network (an AR baseline, or the judge of generative perplexity).
 *
 * `nextTokenLogits(x)[b, n]` are unnormalised log-probabilities of x[b, n] given x[b, 0..n-1] (at
 * n = 0 given nothing), so by the chain rule
 *   log p(x) = sum_n log softmax(nextTokenLogits(x)[n])[x_n].
 * Row n must not depend on x[b, n..L-1]; that is what makes one call give every conditional.
 */
export interface NextTokenModel {
  /** V, the number of real token values (ids 0..V-1). */
  readonly vocabSize: number;
  /** The longest sequence one call takes. */
  readonly maxLength: number;
  /**
   * The conditional of each position given the ones before it.
   *
   * @param x int32 [B, L] tokens in 0..V-1, L <= maxLength; borrowed.
   * @returns float32 [B, L, V] logits, owned by the caller.
   */
  nextTokenLogits(x: tf.Tensor2D): tf.Tensor3D;
}
