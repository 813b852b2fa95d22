import * as tf from '@tensorflow/tfjs-core';
import type { StateDependentSchedule } from './genmd4-schedule';

/** Smallest time used inside logs, so that t = 0 gives finite values and gradients. */
const MIN_TIME = 1e-30;

function checkShapes(schedule: StateDependentSchedule, x0: tf.Tensor, t: tf.Tensor, what: string): void {
  if (x0.rank !== 2 || x0.dtype !== 'int32') {
    throw new TypeError(`${what}: x0 must be an int32 tensor of shape [B, L], got ${x0.dtype} [${x0.shape}]`);
  }
  if (t.rank !== 1 || t.shape[0] !== x0.shape[0]) {
    throw new TypeError(
      `${what}: t must have shape [${x0.shape[0]}] (one time per sequence), got [${t.shape}]`,
    );
  }
  if (schedule.rawExponents.isDisposed) {
    throw new Error(`${what}: the GenMD4 schedule was disposed`);
  }
}

/**
 * w_{x0^n} for every token: float32 [B, L], differentiable in w_raw. Picks the exponent with a
 * one-hot product (tf.gather has no gradient on the wasm backend). x0 holds values in [0, V);
 * a value outside that range picks 0. Borrowed inputs, owned output.
 */
export function genmd4TokenExponents(schedule: StateDependentSchedule, x0: tf.Tensor2D): tf.Tensor2D {
  if (x0.rank !== 2 || x0.dtype !== 'int32') {
    throw new TypeError(
      `genmd4TokenExponents: x0 must be an int32 tensor [B, L], got ${x0.dtype} [${x0.shape}]`,
    );
  }
  return tf.tidy(() => {
    const w = schedule.exponents();
    const oneHot = tf.oneHot(x0, schedule.vocabSize) as tf.Tensor3D; // int32 [B, L, V]
    return tf.sum(tf.mul(tf.cast(oneHot, 'float32'), w), -1) as tf.Tensor2D;
  });
}

/**
 * The probability that each token is masked at its sequence's time t:
 * 1 - alpha_{t, x0^n} = (1 - eps) t^{w_{x0^n}}  (paper section 5, GenMD4).
 *
 * @param x0 int32 [B, L] clean tokens in [0, V); borrowed.
 * @param t float32 [B] times in [0, 1]; borrowed.
 * @returns float32 [B, L], differentiable in w_raw; owned by the caller.
 */
export function genmd4MaskProbability(
  schedule: StateDependentSchedule,
  x0: tf.Tensor2D,
  t: tf.Tensor1D,
): tf.Tensor2D {
  checkShapes(schedule, x0, t, 'genmd4MaskProbability');
  return tf.tidy(() => {
    const wx = genmd4TokenExponents(schedule, x0);
    const logT = tf.reshape(tf.log(tf.maximum(t, MIN_TIME)), [-1, 1]);
    return tf.mul(1 - schedule.eps, tf.exp(tf.mul(wx, logT))) as tf.Tensor2D;
  });
}

/**
 * log q(z | x0, t) of a masking pattern z, summed over the tokens of each sequence, the score
 * whose gradient REINFORCE needs (DESIGN section 2):
 *
 *     log q = sum_n [ z_n (log(1 - eps) + w_{x0^n} log t) + (1 - z_n) log(1 - (1 - eps) t^{w_{x0^n}}) ]
 *
 * The kept-token term is computed as log(eps - (1 - eps) expm1(w log t)), accurate when t^w is
 * close to 1. Times are clamped to >= 1e-30 so that t = 0 stays finite.
 *
 * @param x0 int32 [B, L] clean tokens in [0, V); borrowed.
 * @param masked [B, L], nonzero where the token is masked (bool, int32 or float32); borrowed.
 * @param t float32 [B] times in [0, 1]; borrowed.
 * @returns float32 [B], differentiable in w_raw; owned by the caller.
 */
export function genmd4LogMaskLikelihood(
  schedule: StateDependentSchedule,
  x0: tf.Tensor2D,
  masked: tf.Tensor2D,
  t: tf.Tensor1D,
): tf.Tensor1D {
  checkShapes(schedule, x0, t, 'genmd4LogMaskLikelihood');
  if (masked.rank !== 2 || masked.shape[0] !== x0.shape[0] || masked.shape[1] !== x0.shape[1]) {
    throw new TypeError(
      `genmd4LogMaskLikelihood: masked must have the shape of x0 [${x0.shape}], got [${masked.shape}]`,
    );
  }
  const { eps } = schedule;
  return tf.tidy(() => {
    const wx = genmd4TokenExponents(schedule, x0);
    const exponent = tf.mul(wx, tf.reshape(tf.log(tf.maximum(t, MIN_TIME)), [-1, 1])); // w log t <= 0
    const maskedTerm = tf.add(Math.log1p(-eps), exponent);
    const keptTerm = tf.log(tf.sub(eps, tf.mul(1 - eps, tf.expm1(exponent))));
    const isMasked = tf.cast(masked, 'bool');
    return tf.sum(tf.where(isMasked, maskedTerm, keptTerm), -1) as tf.Tensor1D;
  });
}
