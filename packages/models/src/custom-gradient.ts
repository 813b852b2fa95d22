import * as tf from '@tensorflow/tfjs-core';

/** A forward function for `customOp`: the tensors, a save function, and the gradient of each input. */
export type CustomForward = (
  inputs: tf.Tensor[],
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] };

/** `tf.customGrad` with tensor inputs passed as an array (typed for strict TypeScript). */
export function customOp(forward: CustomForward): (...inputs: tf.Tensor[]) => tf.Tensor {
  const f = (...args: Array<tf.Tensor | tf.GradSaveFunc>) =>
    forward(args.slice(0, -1) as tf.Tensor[], args[args.length - 1] as tf.GradSaveFunc);
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (
    ...inputs: tf.Tensor[]
  ) => tf.Tensor;
}
