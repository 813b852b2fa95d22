import * as tf from '@tensorflow/tfjs-core';

/** The identity whose gradient is zero (tfjs has no stop_gradient op). */
export const stopGradient = tf.customGrad((...inputs) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;
