import * as tf from '@tensorflow/tfjs-core';
import { customOp } from './custom-gradient';

/**
 * f(inputs), computed so that the tape keeps only `inputs`, not f's intermediates: the backward
 * pass runs f's forward again (`replay` true) and differentiates that (gradient checkpointing,
 * Chen et al. 2016, "Training deep nets with sublinear memory cost"). A training step then holds
 * one block's intermediates at a time instead of every block's, for one more forward pass of f.
 *
 * f must compute the same function when replayed (a dropout mask from a seed it drew on the first
 * run, not a new draw) and every input must reach its output (tf.grads refuses one that does not).
 * Inputs are borrowed; the result is owned by the caller.
 */
export function checkpointed(
  f: (inputs: tf.Tensor[], replay: boolean) => tf.Tensor,
  inputs: tf.Tensor[],
): tf.Tensor {
  return customOp((xs, save) => {
    save(xs);
    return {
      value: f(xs, false),
      gradFunc: (dy, saved) =>
        withOwnTape(() => tf.grads((...args: tf.Tensor[]) => f(args, true))(saved, dy)),
    };
  })(...inputs);
}

/**
 * `run` (a gradient computation started inside a backward pass) with the engine's tape put back
 * afterwards. tfjs 4.22's `gradients` starts its tape by replacing the engine's `activeTape` (the
 * enclosing backward pass's, still in use) and ends by setting it to null, so the enclosing pass
 * would crash when it frees its tape's saved tensors. Restoring it keeps each pass on its own tape.
 */
function withOwnTape<T>(run: () => T): T {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
  const enclosing = state.activeTape;
  try {
    return run();
  } finally {
    state.activeTape = enclosing;
  }
}
