import * as tf from '@tensorflow/tfjs-core';
import { wasmKernelsActive } from './kernels/wasm-kernels';

/** Both paths where the wasm kernels exist (fast and reference), else the reference only. */
export function kernelPaths(): boolean[] {
  return wasmKernelsActive() ? [true, false] : [false];
}

/** Largest absolute difference of two tensors (read synchronously; tiny test shapes only). */
export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) throw new Error(`sizes differ: ${x.length} vs ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** Central finite difference of a scalar function of one tensor entry, in float64 around float32 values. */
export function finiteDifference(
  f: (x: tf.Tensor) => tf.Scalar,
  x: tf.Tensor,
  index: number,
  h = 1e-2,
): number {
  const values = Float32Array.from(x.dataSync());
  const at = (delta: number) => {
    const v = values.slice();
    v[index] = v[index]! + delta;
    return tf.tidy(() => f(tf.tensor(v, x.shape, 'float32')).dataSync()[0]!);
  };
  return (at(h) - at(-h)) / (2 * h);
}
