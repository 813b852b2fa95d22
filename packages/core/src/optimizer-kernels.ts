/**
 * Fused optimizer kernels: names, inputs and attributes shared by the packages that use them and the
 * backends that implement them. A backend may register these kernels (tf.registerKernel) to do a
 * whole update in one pass over memory; `@md4/models` runs them where the active backend has them
 * and composes the same float32 formula from tfjs ops everywhere else.
 */

/**
 * One AdamW update of a parameter. Inputs { param, grad, m, v } (float32, one shape); outputs
 * [param, m, v]. In float32, in this order (the composed ops' order, so the results are identical):
 *   g = grad * gradScale
 *   m' = m * beta1 + g * (1 - beta1),   v' = v * beta2 + g^2 * (1 - beta2)
 *   param' = param * (1 - lr weightDecay) - lr * ((m' / biasCorrection1) / (sqrt(v' / biasCorrection2) + eps))
 * with biasCorrection_i = 1 - beta_i^k at step k.
 */
export const ADAMW_UPDATE_KERNEL = 'Md4AdamWUpdate';

/** Attributes of ADAMW_UPDATE_KERNEL, the scalars of the formula above for the current step. */
export interface AdamWUpdateAttrs {
  /** Decay of the first moment m. */
  beta1: number;
  /** Decay of the second moment v. */
  beta2: number;
  /** Added to sqrt(v' / biasCorrection2) in the denominator. */
  eps: number;
  /** The learning rate of this step. */
  lr: number;
  /** Decoupled weight decay: the parameter is multiplied by 1 - lr weightDecay. */
  weightDecay: number;
  /** 1 - beta1^k at step k (1-based). */
  biasCorrection1: number;
  /** 1 - beta2^k at step k (1-based). */
  biasCorrection2: number;
  /** Multiplies the gradient before use (a clipping factor; 1 leaves it as it is). */
  gradScale: number;
}

/**
 * One exponential-moving-average update. Inputs { shadow, param }; output shadow' =
 * shadow * decay + param * (1 - decay), in float32.
 */
export const EMA_UPDATE_KERNEL = 'Md4EmaUpdate';

/** Attributes of EMA_UPDATE_KERNEL. */
export interface EmaUpdateAttrs {
  /** The weight of the old shadow value, in [0, 1) (`ExponentialMovingAverage` checks). */
  decay: number;
}
