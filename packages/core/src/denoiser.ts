import type * as tf from '@tensorflow/tfjs-core';

/**
 * A network that predicts clean tokens from a partially masked sequence: the only way `elbo` and
 * `samplers` see a model.
 *
 * Token ids are 0..V-1 for real values and V (= `vocabSize`) for MASK. `logits` returns, for every
 * position, unnormalised log-probabilities over the V real values; the mean parameterisation
 * mu_theta(x_t, t) of the paper (eq. 4) is their softmax. Logits at positions that are not MASK are
 * unspecified and consumers ignore them.
 */
export interface Denoiser {
  /** V, the number of real token values; the mask id is V. */
  readonly vocabSize: number;
  /** False when the output ignores t, which lets samplers reuse predictions. */
  readonly timeConditioned: boolean;
  /**
   * The network's prediction for a batch of noisy sequences at their times.
   *
   * @param xt int32 [B, L] tokens in 0..V (V = MASK); borrowed.
   * @param t float32 [B] times in [0, 1]; borrowed.
   * @returns float32 [B, L, V] logits, owned by the caller.
   */
  logits(xt: tf.Tensor2D, t: tf.Tensor1D): tf.Tensor3D;
}
