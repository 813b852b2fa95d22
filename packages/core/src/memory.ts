import * as tf from '@tensorflow/tfjs-core';

/** Disposes every tensor given (nulls and undefineds are skipped). */
export function disposeAll(...tensors: Array<tf.TensorContainer | null | undefined>): void {
  for (const t of tensors) if (t != null) tf.dispose(t);
}

/** The number of live tensors: compare before and after a call to find leaks. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}

/**
 * Runs `fn` and returns its result with the number of tensors it left behind that are not
 * part of the result. Useful in leak tests of async code, where `tf.tidy` cannot be used.
 */
export async function countLeakedTensors<T>(
  fn: () => T | Promise<T>,
): Promise<{ result: T; leaked: number }> {
  const before = liveTensors();
  const result = await fn();
  const owned = new Set<number>();
  collectTensorIds(result, owned);
  return { result, leaked: liveTensors() - before - owned.size };
}

function collectTensorIds(value: unknown, ids: Set<number>): void {
  if (value instanceof tf.Tensor) {
    ids.add(value.id);
  } else if (Array.isArray(value)) {
    for (const item of value) collectTensorIds(item, ids);
  } else if (
    value != null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    for (const item of Object.values(value)) collectTensorIds(item, ids);
  }
}
