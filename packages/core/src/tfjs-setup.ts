import * as tf from '@tensorflow/tfjs-core';

/**
 * Throws an Error that says what the app has to do when tfjs is not set up for `what`: no backend
 * registered (tfjs-core's own message would be "No backend found in registry"), or, with
 * `gradients`, no gradient functions registered ("Cannot compute gradient: gradient function not
 * found for RealDiv"): both come from importing `@tensorflow/tfjs-core` alone.
 */
export function assertTfjsSetUp(what: string, opts: { gradients?: boolean | undefined } = {}): void {
  if (tf.engine().backendNames().length === 0) {
    throw new Error(
      `${what}: no tfjs backend is registered; import '@tensorflow/tfjs' (cpu and webgl) or a backend ` +
        "package such as '@tensorflow/tfjs-backend-wasm' once in your app, then pick one with " +
        'selectBackend of @md4/core or tf.setBackend',
    );
  }
  if (opts.gradients && tf.getGradient(tf.RealDiv) == null) {
    throw new Error(
      `${what}: tfjs' gradient functions are not registered; import '@tensorflow/tfjs' once in your ` +
        "app (with @tensorflow/tfjs-core alone: import '@tensorflow/tfjs-core/dist/register_all_gradients')",
    );
  }
}
